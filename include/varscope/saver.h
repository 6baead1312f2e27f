/* varscope/saver.h - checkpoints by variable name: tf.compat.v1.train.Saver,
 * tf.train.load_checkpoint and tf.train.init_from_checkpoint.
 *
 * A checkpoint maps keys to tensors. Keys are variable *op* names
 * ("image_filters/conv1/weights"), as TF's Saver writes them, not tensor
 * names ("...weights:0").
 *
 * Formats:
 *   - safetensors (what vs_saver_save writes): an 8-byte little-endian
 *     header length N, N bytes of JSON ({"key": {"dtype": "F32", "shape":
 *     [..], "data_offsets": [begin, end]}, "__metadata__": {...}}), then the
 *     raw little-endian row-major data, contiguous and without holes. The
 *     metadata keeps "format": "varscope" and "varscope.variables", a JSON
 *     string mapping each key to {"name": "foo/v:0", "trainable": true,
 *     "collections": ["variables", "trainable_variables"]}. Files from the
 *     Python `safetensors` package read here and ours read there.
 *   - TensorFlow V2 tensor bundles: `prefix.index` (a LevelDB table of
 *     BundleEntryProto, block and tensor CRC32C checked) and
 *     `prefix.data-NNNNN-of-MMMMM`, as tf.train.Saver writes them. Read:
 *     any number of shards, every dtype varscope has, strings included
 *     (a string holding a NUL byte is UNIMPLEMENTED: varscope's strings are
 *     C strings); a partitioned variable's sliced entry (TF's Saver writes
 *     "x" with its TensorSliceProtos and one entry per slice under the key
 *     EncodeTensorNameSlice gives) is listed, as TF's CheckpointReader
 *     lists it, as the one full tensor "x" (the slice keys are not
 *     listed), and reads as that tensor assembled from its slices. Written
 *     (vs_saver_opts.format = VS_CKPT_TF_V2): one shard, byte for byte as
 *     TF 2.21's Saver writes the same values (partitioned variables'
 *     slices included), so tf.train.load_checkpoint and Saver.restore read
 *     it.
 *
 * Partitioned variables (vs_get_partitioned_variable): in a TF V2 saver's
 * var_list (or the default, tf.global_variables()) each part is saved and
 * restored as TF's Saver does, as its slice of the full tensor named by its
 * SaveSliceInfo ("x", slice "4 3 0,2:0,3"): restore takes each part's
 * slice out of whatever slicing the checkpoint holds (another number of
 * parts, or one unpartitioned tensor, restores as in TF). In a var_map a
 * part is a variable of its own under the map's key, as in TF's dict form.
 * A safetensors saver has no slices: each part is saved under its own op
 * name ("x/part_0"), and restored from it.
 *
 * A path names a safetensors file when a regular file is there, otherwise a
 * TF prefix when "<path>.index" exists.
 *
 * Saving never loses data: the file is written to a temporary file in the
 * same directory ("<path>.tmp-<pid>-XXXXXX", the saving process's id),
 * flushed and fsync'd, then renamed over `path` (and the directory
 * fsync'd), so a crash mid-save leaves the previous checkpoint intact. A
 * TF bundle's two files are both written and synced first, then renamed,
 * the .index last: a crash between the two renames leaves the old index
 * beside the new data, which the index's CRC32Cs then refuse (DATA_LOSS)
 * rather than read wrong values. A
 * process killed mid-save leaves its temporary file; the next save to the
 * same path removes every "<path>.tmp-*" whose writer process no longer
 * exists (checked with kill(pid, 0), so a directory shared between hosts
 * should not have two hosts saving the same path) or that is over a day
 * old. The saved file has mode 0666 less the umask, as any new file; a
 * save over an existing file keeps that file's mode. Reading refuses truncated, oversized or corrupt
 * files (bad header length, offsets outside the file, overlapping or
 * non-contiguous tensors, bad CRC, malformed JSON or protobuf) with
 * DATA_LOSS, and never reads outside the file.
 *
 * Byte order: the host must be little-endian (every supported target is).
 */
#ifndef VARSCOPE_SAVER_H
#define VARSCOPE_SAVER_H

#include "varscope/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- reading checkpoints (tf.train.load_checkpoint) --------------------- */

typedef enum vs_ckpt_format {
  VS_CKPT_SAFETENSORS = 1,
  VS_CKPT_TF_V2 = 2 /* TensorFlow's V2 tensor bundle (prefix.index + data) */
} vs_ckpt_format;

typedef struct vs_checkpoint vs_checkpoint;

/* What a checkpoint says about one tensor. Strings are borrowed from the
 * checkpoint until vs_checkpoint_free. */
typedef struct vs_ckpt_tensor_info {
  const char *key;                 /* "image_filters/conv1/weights" */
  vs_dtype dtype;                  /* VS_STRING for TF string tensors */
  vs_shape shape;                  /* always fully defined */
  uint64_t byte_size;              /* bytes of the tensor (a sliced entry's
                                    * full tensor, assembled from slices) */
  bool readable;                   /* always true (kept for source
                                    * compatibility: sliced entries read) */
  /* varscope metadata (safetensors written by vs_saver_save); NULL / -1
   * when the file has none. */
  const char *tensor_name;         /* "image_filters/conv1/weights:0" */
  int trainable;                   /* 1, 0, or -1 unknown */
  const char *const *collections;  /* NULL-terminated; NULL when unknown */
} vs_ckpt_tensor_info;

/* Opens a checkpoint: a safetensors file, or a TF V2 prefix. Reads and
 * checks the whole index (safetensors: header; TF: the .index table with its
 * block CRCs); tensor data is read by vs_checkpoint_get_tensor.
 * Returns a new reader (free with vs_checkpoint_free) or NULL.
 * Errors: NOT_FOUND/ValueError "The passed save_path is not a valid
 * checkpoint: PATH" when neither file exists; DATA_LOSS for a corrupt or
 * truncated file (the message names the file and the defect); UNIMPLEMENTED
 * for valid files this reader does not support (big-endian bundles, snappy
 * blocks, dtypes varscope lacks, rank > 8); RESOURCE_EXHAUSTED when out of
 * memory; INVALID_ARGUMENT for a NULL path. Ownership: the path is copied.
 * Thread safety: a reader may be used by one thread at a time. */
vs_checkpoint *vs_checkpoint_open(const char *path, vs_status *st);

/* Frees a reader and everything it loaded; NULL is a no-op. */
void vs_checkpoint_free(vs_checkpoint *c);

/* The file's format (0 for a NULL reader). */
vs_ckpt_format vs_checkpoint_format(const vs_checkpoint *c);

/* Number of tensors; entries are sorted by key (bytewise). */
size_t vs_checkpoint_num_tensors(const vs_checkpoint *c);

/* Fills *info for tensor i (in key order), as vs_device_get_info does for
 * a device. Errors (INVALID_ARGUMENT, *info untouched): a NULL reader or
 * info; "tensor index 7 out of range (3 tensors)". */
void vs_checkpoint_tensor_info(const vs_checkpoint *c, size_t i, vs_ckpt_tensor_info *info,
                               vs_status *st);

/* The index of `key` (for vs_checkpoint_tensor_info), or VS_NPOS when the
 * checkpoint has no such tensor or c or key is NULL. */
size_t vs_checkpoint_find(const vs_checkpoint *c, const char *key);

/* reader.get_tensor(key): the value as a new host tensor (the caller frees
 * it). Errors: NOT_FOUND "Key foo/u not found in checkpoint"; DATA_LOSS when
 * the data file is missing, short or fails its CRC32C ("Checksum does not
 * match"), or a string tensor's lengths fail theirs, or a sliced tensor's
 * slice is missing, of another shape than its extent, or its slices leave
 * elements uncovered; UNIMPLEMENTED for a string holding a NUL byte and
 * for a sliced string tensor. */
vs_tensor *vs_checkpoint_get_tensor(vs_checkpoint *c, const char *key, vs_status *st);

/* ---- tf.train.Saver ---------------------------------------------------- */

/* One checkpoint key and the variable it names (Saver's dict form). */
typedef struct vs_saver_entry {
  const char *key;
  vs_var *var;
} vs_saver_entry;

/* tf.train.Saver(var_list=...). Give at most one of var_list and var_map;
 * with neither (or opts NULL) the saver covers tf.global_variables() as of
 * vs_saver_new. */
typedef struct vs_saver_opts {
  vs_var *const *var_list;         /* a list: each saved under its op name */
  size_t n_vars;
  const vs_saver_entry *var_map;   /* a dict: checkpoint key -> variable */
  size_t n_map;
  /* What vs_saver_save writes (restore reads either): 0 or
   * VS_CKPT_SAFETENSORS a safetensors file; VS_CKPT_TF_V2 a TF V2 bundle
   * (Saver(write_version=SaverDef.V2), TF's default). */
  vs_ckpt_format format;
  /* TF V2 only: save(write_state=False), no `checkpoint` state file. */
  bool no_write_state;
} vs_saver_opts;

typedef struct vs_saver vs_saver;

/* Builds a saver for variables of graph g. Returns it (free with
 * vs_saver_free) or NULL. Errors, all ValueError (INVALID_ARGUMENT):
 * "No variables to save"; "At least two variables have the same name: v"
 * (two list entries with one op name, or one key twice in a map; the parts
 * of one partitioned variable share its name in a TF V2 saver's list);
 * "Mixing slices and non-slices with the same name: x" (a part after a
 * variable whose op name is the part's full name); "The
 * same saveable will be restored with two names: y" (a variable under two
 * keys); a NULL key or variable, a variable of another graph, both
 * var_list and var_map. Ownership: keys are copied; variables are borrowed
 * from g, which must outlive the saver. Thread safety: the saver is
 * read-only after creation; save/restore lock the graph while they touch
 * the session. */
vs_saver *vs_saver_new(vs_graph *g, const vs_saver_opts *opts, vs_status *st);

/* Frees a saver; NULL is a no-op. */
void vs_saver_free(vs_saver *s);

/* saver.save(sess, path): writes the variables' current values in `sess`,
 * keys in sorted order (temporary files, fsync, rename; see the top of
 * this header), in the saver's format:
 *   - safetensors: one file at `path`;
 *   - TF V2: `path` is the prefix: path.index and path.data-00000-of-00001
 *     (every dtype, strings included), then, unless no_write_state, the
 *     `checkpoint` state file in path's directory as TF's Saver writes it
 *     ('model_checkpoint_path: "P"' and an 'all_model_checkpoint_paths'
 *     line for each of the last 5 paths this saver wrote, oldest first; P
 *     as given when absolute, else its base name, relative to the
 *     directory), so tf.train.latest_checkpoint(dir) returns it. Older
 *     checkpoints are not deleted (TF's max_to_keep deletes them).
 * Errors: FAILED_PRECONDITION "Attempting to use uninitialized value
 * foo/v"; UNIMPLEMENTED for a dtype safetensors cannot hold (complex128,
 * string); TF V2: ValueError "Parent directory of P doesn't exist, can't
 * save." (INVALID_ARGUMENT, TF's text); an I/O error code with the OS's
 * message (safetensors: NOT_FOUND for a missing directory;
 * PERMISSION_DENIED, ...). On error the checkpoint at `path` is unchanged
 * and no temporary file remains; a failure writing the state file comes
 * after the bundle was saved. Thread safety: as vs_session_run (one call
 * on a session at a time); one saver may save from several sessions at
 * once (its list of recent paths is locked). */
void vs_saver_save(vs_saver *s, vs_session *sess, const char *path, vs_status *st);

/* saver.restore(sess, path): reads every key of the saver from a
 * safetensors file or TF V2 prefix and writes it into its variable in
 * `sess`, marking it initialised (its initializer never runs;
 * report_uninitialized_variables no longer lists it). Everything is checked
 * before any variable changes. Errors (TF's classes and texts, prefixed as
 * TF's Saver does with "Restoring from checkpoint failed. This is most
 * likely due to ..."):
 *   - NOT_FOUND/ValueError "The passed save_path is not a valid checkpoint: P";
 *   - NOT_FOUND/NotFoundError "... Key foo/u not found in checkpoint";
 *   - INVALID_ARGUMENT/InvalidArgumentError "... tensor_name = foo/v;
 *     expected dtype double does not equal original dtype float";
 *   - INVALID_ARGUMENT/InvalidArgumentError "... Assign requires shapes of
 *     both tensors to match. lhs shape= [3] rhs shape= [2]" followed by
 *     "\n\t [[checkpoint key foo/v]]";
 *   - INVALID_ARGUMENT/InvalidArgumentError "... tensor_name = x; shape in
 *     shape_and_slice spec [6,3] does not match the shape stored in
 *     checkpoint: [4,3]" for a part of a partitioned variable whose full
 *     shape differs from the stored tensor's (RestoreV2's text);
 *   - DATA_LOSS for a corrupt file; UNIMPLEMENTED for unreadable entries.
 * A device error while writing the values (after every check passed) can
 * leave earlier variables restored. Ownership: the file is read into memory
 * for the call and released. Thread safety: as vs_saver_save. */
void vs_saver_restore(vs_saver *s, vs_session *sess, const char *path, vs_status *st);

/* ---- tf.train.init_from_checkpoint ------------------------------------- */

/* One item of an assignment map: checkpoint name -> current name. `ckpt`
 * is a key ("old/v") or a scope ending in '/' ("old_scope/", or "/" for
 * the root); the current side is `var` when not NULL, else `current`: a
 * name in the variable store ("new/v") or a scope ("new_scope/", "/"). */
typedef struct vs_assignment {
  const char *ckpt;
  const char *current;
  vs_var *var;
} vs_assignment;

/* tf.train.init_from_checkpoint(path, assignment_map), applied at once to a
 * session: resolves the map exactly as TF does (items in sorted order of
 * `ckpt`; a scope maps every get_variable variable under the current scope,
 * "old_scope/" -> "new_scope/" turns new_scope/conv1/w into
 * old_scope/conv1/w; a current name that is a partitioned variable's,
 * "x" for the store's x/part_0, x/part_1, ..., maps each part to its slice
 * of the checkpoint tensor, and a scope mapping takes each partitioned
 * variable once under its name, as TF's _collect_partitioned_variable),
 * then restores those variables into `sess` and marks
 * them initialised. TF instead rewires the initializers so a later
 * global_variables_initializer loads them; the values are the same.
 * Errors, ValueError: NOT_FOUND "Tensor old/v is not found in P checkpoint
 * {'a': [2], ...}" or "Tensor old_scope/x (x in old_scope/) is not found in
 * P checkpoint"; INVALID_ARGUMENT "Shape of variable new/v:0 ((3,)) doesn't
 * match with shape of tensor old/v ([2]) from checkpoint reader.",
 * "Assignment map with scope only name new should map to scope only old.
 * Should be 'scope/': 'other_scope/'."; InvalidArgumentError for a dtype
 * mismatch (as restore); the open errors of vs_checkpoint_open. Nothing is
 * written unless every item resolves and checks. Ownership: nothing is
 * kept after the call. Thread safety: as vs_session_run (one call on a
 * session at a time); it takes the graph's lock to read the store. */
void vs_init_from_checkpoint(vs_session *sess, const char *path, const vs_assignment *map,
                             size_t n, vs_status *st);

#ifdef __cplusplus
}
#endif
#endif
