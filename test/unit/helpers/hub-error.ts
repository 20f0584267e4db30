/** For `assert.rejects`: the rejection is a HubError of `kind` whose problems point at exactly `paths`, in order. */
import assert from 'node:assert/strict';
import { HubError } from '../../../functions/domain/errors.ts';

export const hubError =
  (kind: HubError['kind'], paths: string[]) =>
  (e: unknown): true => {
    assert.ok(e instanceof HubError);
    assert.equal(e.kind, kind);
    assert.deepEqual(
      e.errors?.map((x) => x.path),
      paths,
    );
    return true;
  };
