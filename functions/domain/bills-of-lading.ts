/**
 * Documents that travel with work records (Bills of Lading above all): the file types the
 * hub keeps, how their bytes are recognised, size limits, and how a record's
 * associatedDocument entries are read (inline bytes, or a reference to a direct upload)
 * and rewritten to carry a reference instead of bytes. Pure: no I/O.
 */
import { randomBytes } from 'node:crypto';
import type { AgencyCode, AssociatedDocument } from '../generated/documents.ts';
import { type ErrorItem, invalidInput, tooLarge } from './errors.ts';

/** File types a stored document may have, by extension, with the bytes every such file starts with. */
export const FILE_TYPES = {
  pdf: { contentType: 'application/pdf', magic: [[0x25, 0x50, 0x44, 0x46, 0x2d]] },
  png: { contentType: 'image/png', magic: [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]] },
  jpg: { contentType: 'image/jpeg', magic: [[0xff, 0xd8, 0xff]] },
  jpeg: { contentType: 'image/jpeg', magic: [[0xff, 0xd8, 0xff]] },
  tif: {
    contentType: 'image/tiff',
    magic: [
      [0x49, 0x49, 0x2a, 0x00],
      [0x4d, 0x4d, 0x00, 0x2a],
    ],
  },
  tiff: {
    contentType: 'image/tiff',
    magic: [
      [0x49, 0x49, 0x2a, 0x00],
      [0x4d, 0x4d, 0x00, 0x2a],
    ],
  },
} as const satisfies Record<string, { contentType: string; magic: readonly (readonly number[])[] }>;

export type Extension = keyof typeof FILE_TYPES;
export const CONTENT_TYPES = [...new Set(Object.values(FILE_TYPES).map((t) => t.contentType))];

/** Size limits of stored documents. */
export const DOCUMENT_LIMITS = {
  /** Decoded bytes of one inline (base64) document: keeps a request under Lambda's 6 MB. */
  maxInlineBytes: 4 * 1024 * 1024,
  /** Bytes of one direct upload. */
  maxUploadBytes: 50 * 1024 * 1024,
  /** A presigned upload is valid this long. */
  uploadTtlSeconds: 15 * 60,
  /** A presigned download is valid this long. */
  downloadTtlSeconds: 5 * 60,
} as const;

const DOCUMENT_ID = /^doc_[0-9a-f]{32}$/;

/** A new document id: unguessable, and safe in an S3 key and a URL. */
export const newDocumentId = (): string => `doc_${randomBytes(16).toString('hex')}`;
export const isDocumentId = (s: unknown): s is string => typeof s === 'string' && DOCUMENT_ID.test(s);

/** The extension's file type, or null when the hub does not keep that type. */
export function fileTypeOf(extension: string): (typeof FILE_TYPES)[Extension] | null {
  const ext = extension.trim().replace(/^\./, '').toLowerCase();
  return Object.hasOwn(FILE_TYPES, ext) ? FILE_TYPES[ext as Extension] : null;
}

/** The extension that goes with a content type (for uploads declared by content type). */
export function extensionOf(contentType: string): Extension | null {
  const entry = Object.entries(FILE_TYPES).find(([, t]) => t.contentType === contentType.toLowerCase());
  return entry ? (entry[0] as Extension) : null;
}

/** True when the first bytes are those of a file of this content type. */
export function bytesMatch(contentType: string, head: Uint8Array): boolean {
  const types = Object.values(FILE_TYPES).filter((t) => t.contentType === contentType);
  return types.some((t) => t.magic.some((m) => m.length <= head.length && m.every((b, i) => head[i] === b)));
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (line breaks allowed, as MIME writes them); null when it is not base64. */
export function decodeBase64(text: string): Buffer | null {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return null;
  return Buffer.from(compact, 'base64');
}

/** A file name safe to hand back in Content-Disposition: no paths, no control or quote characters. */
export function safeFileName(name: string | undefined, documentId: string, extension: string): string {
  const base = (name ?? '')
    .split(/[\\/]/)
    .pop()!
    .replace(/[\u0000-\u001f\u007f"\\;]/g, '')
    .trim()
    .slice(0, 200);
  return base || `${documentId}.${extension}`;
}

/** The agency under which the hub names the documents it stores (the standard's spelling). */
export const HUB_DOCUMENT_AGENCY = 'AssignedByReciever' satisfies AgencyCode;

/** One document a record brings: its bytes inline, or a reference to a direct upload. */
export type RecordDocument =
  | {
      kind: 'inline';
      index: number;
      path: string;
      bytes: Buffer;
      extension: Extension;
      contentType: string;
      fileName: string | undefined;
      documentType: string | undefined;
    }
  | { kind: 'reference'; index: number; path: string; documentId: string };

/**
 * Reads the associatedDocument entries of one record. Inline files are decoded and checked
 * (type kept by the hub, size, bytes matching the declared extension); an entry without a
 * file that names a hub document id is a reference. Other entries (a carrier's paper
 * ticket number, say) are left alone. Collects every problem with its path.
 */
export function readRecordDocuments(
  record: { associatedDocument?: AssociatedDocument[] },
  pointer: string,
): {
  documents: RecordDocument[];
  errors: ErrorItem[];
  tooLarge: ErrorItem[];
} {
  const documents: RecordDocument[] = [];
  const errors: ErrorItem[] = [];
  const large: ErrorItem[] = [];
  (record.associatedDocument ?? []).forEach((doc, index) => {
    const path = `${pointer}/associatedDocument/${index}`;
    if (doc.file === undefined) {
      const ref = doc.identifier?.find((i) => isDocumentId(i.number));
      if (ref) documents.push({ kind: 'reference', index, path, documentId: ref.number });
      return;
    }
    const type = fileTypeOf(doc.extension ?? '');
    if (!type) {
      errors.push({ path: `${path}/extension`, message: `the hub keeps ${Object.keys(FILE_TYPES).join(', ')} files` });
      return;
    }
    const bytes = decodeBase64(doc.file);
    if (!bytes || bytes.length === 0) {
      errors.push({ path: `${path}/file`, message: 'is not base64-encoded file content' });
      return;
    }
    if (bytes.length > DOCUMENT_LIMITS.maxInlineBytes) {
      large.push({
        path: `${path}/file`,
        message: `${bytes.length} bytes; inline documents may have at most ${DOCUMENT_LIMITS.maxInlineBytes} (upload larger ones through POST .../documents)`,
      });
      return;
    }
    if (!bytesMatch(type.contentType, bytes.subarray(0, 16))) {
      errors.push({ path: `${path}/file`, message: `the content is not a ${doc.extension} file` });
      return;
    }
    const extension = doc.extension!.trim().replace(/^\./, '').toLowerCase() as Extension;
    documents.push({
      kind: 'inline',
      index,
      path,
      bytes,
      extension,
      contentType: type.contentType,
      fileName: doc.fileName,
      documentType: doc.documentType,
    });
  });
  return { documents, errors, tooLarge: large };
}

/** Throws the located errors of a batch's documents: 413 when only sizes are wrong, else 400. */
export function rejectDocumentErrors(errors: ErrorItem[], large: ErrorItem[]): void {
  if (errors.length > 0) {
    throw invalidInput('Some documents cannot be stored; nothing in this request was applied.', [...errors, ...large]);
  }
  if (large.length > 0) {
    throw tooLarge('Some inline documents are too large; nothing in this request was applied.', large);
  }
}

/**
 * The record as stored and served: each inline file replaced by a reference to the stored
 * document (an identifier with the hub's document id), every other part untouched.
 */
export function withDocumentReferences<T extends { associatedDocument?: AssociatedDocument[] }>(
  record: T,
  stored: ReadonlyMap<number, string>,
): T {
  if (!record.associatedDocument || stored.size === 0) return record;
  return {
    ...record,
    associatedDocument: record.associatedDocument.map((doc, index) => {
      const documentId = stored.get(index);
      if (documentId === undefined || doc.file === undefined) return doc;
      const { file: _bytes, ...rest } = doc;
      return { ...rest, identifier: [...(doc.identifier ?? []), { agency: HUB_DOCUMENT_AGENCY, number: documentId }] };
    }),
  };
}
