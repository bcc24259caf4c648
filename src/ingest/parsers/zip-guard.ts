/** Limits on what a zip (DOCX) may expand to before it is inflated: a zip bomb is refused by its directory. */
export interface ZipLimits {
  /** Total uncompressed bytes of all entries. */
  maxUncompressedBytes: number;
  /** Largest uncompressed/compressed ratio of an entry over 1 MB (text XML compresses ~10×; bombs 1000×). */
  maxRatio: number;
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxUncompressedBytes: 100 * 1024 * 1024,
  maxRatio: 200,
  maxEntries: 10_000,
};

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;

/**
 * Reads the zip's central directory and throws when its entries would inflate past the limits.
 * The sizes are the ones the zip declares; an entry that inflates past its declared size is
 * refused by the unzip library's own size check.
 */
export function checkZip(bytes: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === END_OF_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive (no central directory)');
  const entries = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  if (entries > limits.maxEntries) throw new Error(`zip has ${entries} entries, over ${limits.maxEntries}`);
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== DIRECTORY_ENTRY)
      throw new Error('corrupt zip central directory');
    const compressed = view.getUint32(offset + 20, true);
    const uncompressed = view.getUint32(offset + 24, true);
    if (compressed === 0xffffffff || uncompressed === 0xffffffff)
      throw new Error('zip64 entries are not accepted: the document is too large');
    total += uncompressed;
    if (total > limits.maxUncompressedBytes)
      throw new Error(`zip would expand to over ${limits.maxUncompressedBytes / 2 ** 20} MB (zip bomb?)`);
    if (uncompressed > 2 ** 20 && uncompressed / Math.max(1, compressed) > limits.maxRatio)
      throw new Error(`zip entry expands ${Math.round(uncompressed / Math.max(1, compressed))}× (zip bomb?)`);
    offset +=
      46 + view.getUint16(offset + 28, true) + view.getUint16(offset + 30, true) + view.getUint16(offset + 32, true);
  }
}
