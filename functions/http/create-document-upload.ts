/**
 * POST /facility/{facilityId}/documents: a direct upload for a Bill of Lading too large to
 * send inline. Answers a presigned POST (exact size, declared content type, 15 minutes);
 * the object is checked when a record references its documentId.
 */

import { DOCUMENT_LIMITS, extensionOf, newDocumentId, safeFileName } from '../domain/bills-of-lading.ts';
import { validateDocumentUploadRequest } from '../generated/validators/validate-document-upload-request.cjs';
import { httpHandler } from '../shared/handler.ts';
import { json, resourcePath } from '../shared/middleware.ts';
import { presignUpload, putPendingUpload } from '../store/document-store.ts';
import { idempotencyStore } from '../store/idempotency-store.ts';

export const handler = httpHandler(
  'createDocumentUpload',
  async ({ facilityId, caller, body }) => {
    const documentId = newDocumentId();
    const extension = extensionOf(body.contentType)!;
    const now = new Date();
    await putPendingUpload({
      facilityId,
      documentId,
      status: 'pending',
      fileName: safeFileName(body.fileName, documentId, extension),
      contentType: body.contentType,
      extension,
      size: body.size,
      createdAt: now.toISOString(),
      keyId: caller.keyId,
    });
    const upload = await presignUpload(facilityId, documentId, body.contentType, body.size);
    return json(
      {
        documentId,
        upload,
        expiresAt: new Date(now.getTime() + DOCUMENT_LIMITS.uploadTtlSeconds * 1000).toISOString(),
      },
      201,
      { location: resourcePath('facility', facilityId, 'documents', documentId) },
    );
  },
  { validate: validateDocumentUploadRequest },
  { idempotency: idempotencyStore },
);
