/**
 * THE least-privilege grant of a GCS sink's writer, the counterpart of ./policy.ts for S3, shared by the
 * runtime's error messages and the GCS constructs: `roles/storage.objectCreator` on the bucket only,
 * narrowed by an IAM condition to objects under the prefix whose names end in `.jsonl` (no prefix: every
 * `.jsonl` object of the bucket). objectCreator holds `storage.objects.create` and nothing that reads,
 * lists, overwrites or deletes, so together with `ifGenerationMatch: 0` a writer can only add new objects.
 */

/** The only role the writer gets. */
export const GCS_WRITER_ROLE = 'roles/storage.objectCreator';

/** The condition's title, shown by the console and gcloud. */
export const GCS_WRITER_CONDITION_TITLE = 'batch-exporter-jsonl-under-prefix';

/** The object names' resource-name start: `projects/_/buckets/<bucket>/objects/<prefix>/`. */
export function gcsObjectResourcePrefix(bucket: string, pathPrefix?: string): string {
  return `projects/_/buckets/${bucket}/objects/${pathPrefix ? `${pathPrefix}/` : ''}`;
}

/**
 * The CEL expression of the writer's IAM condition. `resource.name` of an object is
 * `projects/_/buckets/<bucket>/objects/<name>`, so `startsWith` pins the bucket and the prefix and
 * `endsWith` the `.jsonl` suffix (seed: "STRM Privacy only writes *.jsonl files to the specified location").
 */
export function gcsWriterConditionExpression(bucket: string, pathPrefix?: string): string {
  return (
    `resource.name.startsWith(${JSON.stringify(gcsObjectResourcePrefix(bucket, pathPrefix))}) && ` +
    'resource.name.endsWith(".jsonl")'
  );
}

/** The same grant as a `gcloud` command, for error messages and docs. */
export function gcsWriterGrantCommand(bucket: string, member: string, pathPrefix?: string): string {
  const condition = `expression=${gcsWriterConditionExpression(bucket, pathPrefix)},title=${GCS_WRITER_CONDITION_TITLE}`;
  return (
    `gcloud storage buckets add-iam-policy-binding gs://${bucket} --member=${member} ` +
    `--role=${GCS_WRITER_ROLE} --condition='${condition}'`
  );
}
