// Placeholder: implemented by the store work (LanceDB registry). See Store in store.ts.
export {};
