/** Plain data that flows between attune's stages: ingest → chunk → embed → store → retrieve → generate. */

/** One structural block of a parsed document. */
export type Block =
  | { kind: 'heading'; level: number; text: string; page?: number }
  | { kind: 'paragraph'; text: string; page?: number };

export interface ParsedDocument {
  title?: string;
  blocks: Block[];
}

/** A chunk as the chunker makes it, before embedding. */
export interface Chunk {
  text: string;
  /** Headings above this chunk, outermost first. */
  headingPath: string[];
  page?: number;
  /** Position within the document, 0-based. */
  position: number;
  tokens: number;
}

/** A chunk as it is stored: identity, provenance, access labels and vector. */
export interface ChunkRecord {
  chunkId: string;
  /** For ingested files: the path relative to the folder given to `ingest`. */
  docId: string;
  /** The file path as ingested. */
  source: string;
  title: string;
  headingPath: string[];
  page: number | null;
  position: number;
  text: string;
  /**
   * What the keyword index sees when it is not `text` alone: with `chunking.contextHeaders`, the title and
   * heading path above the text (chunk.ts `headedText`). Hits show `text`; export returns this field when set.
   */
  keywordText?: string;
  /**
   * How the document was chunked, as ingest's `chunkingKey` ("200/32", "200/32+headers"); absent for chunks
   * written before it was recorded. A document ingested under other chunking settings is re-chunked.
   */
  chunking?: string;
  /** sha256 of the document's bytes; unchanged hash → nothing to do. */
  docHash: string;
  labels: string[];
  tags: string[];
  vector: Float32Array;
}

/** A retrieved chunk. `score` is higher-is-better within one result list. */
export interface Hit {
  chunkId: string;
  docId: string;
  source: string;
  title: string;
  headingPath: string[];
  page: number | null;
  text: string;
  labels: string[];
  tags: string[];
  score: number;
  /**
   * Cosine similarity to the query vector, set by vector and hybrid searches on the chunks the
   * vector search found (in hybrid search `score` is the fused rank score, this the evidence of coverage).
   */
  vectorScore?: number;
}

/** Filters applied inside the store query. `labels`: the labels the caller holds; a chunk is
 * visible when it has no labels or shares one with them. Undefined means no restriction. */
export interface SearchFilter {
  sources?: string[];
  docIds?: string[];
  tags?: string[];
  labels?: string[];
}

export type SearchMode = 'hybrid' | 'vector' | 'keyword';

export interface DocumentRecord {
  docId: string;
  source: string;
  docHash: string;
  chunks: number;
  /** The document's access labels and tags (every chunk of a document carries the same). */
  labels: string[];
  tags: string[];
  /** The chunking key its chunks carry (ChunkRecord.chunking); absent when they carry none. */
  chunking?: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface Citation {
  n: number;
  chunkId: string;
  docId: string;
  source: string;
  /** True when the model gave no [n] marker and attune attributed the answer by overlap. */
  inferred?: boolean;
}

export interface AnswerTimings {
  retrieveMs: number;
  rerankMs: number;
  generateMs: number;
  firstTokenMs: number | null;
  totalMs: number;
}

/** What every answering strategy returns (base, rag, ft, ft-rag, raft, …). */
export interface Answer {
  answer: string;
  abstained: boolean;
  citations: Citation[];
  retrieved: Hit[];
  timings: AnswerTimings;
  usage: Usage;
  /** 'length' when the answer was cut off at the token budget (the generator used all of it); 'stop' otherwise. */
  finishReason?: 'stop' | 'length';
  /** What retrieval searched for when it was not the question itself (a follow-up rewritten from the conversation). */
  retrievalQuery?: string;
}
