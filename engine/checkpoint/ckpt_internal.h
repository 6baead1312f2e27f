/* ckpt_internal.h - the checkpoint reader's data model, shared by the format
 * parsers (safetensors.c, tf_bundle.c), the file helpers (file_io.c), the
 * public reader (checkpoint.c) and the Saver (saver.c).
 *
 * The parsers work on bytes in memory and never read outside them, so the
 * fuzz targets (fuzz/) drive them directly. */
#ifndef VS_CKPT_INTERNAL_H
#define VS_CKPT_INTERNAL_H

#include <stdio.h>

#include "checkpoint/protobuf.h"
#include "core/core.h"
#include "varscope/saver.h"
#include "varscope/variable.h"

/* safetensors' own cap on the JSON header (MAX_HEADER_SIZE). */
#define VS_ST_MAX_HEADER 100000000u

typedef struct vs__ckpt_entry {
  char *key;
  vs_dtype dtype;
  vs_shape shape;
  uint64_t offset;       /* safetensors: absolute in the file; TF: in its shard */
  uint64_t size;         /* bytes */
  int32_t shard;         /* TF only */
  bool has_crc;          /* TF: crc holds the unmasked CRC32C of the bytes */
  uint32_t crc;
  bool readable;         /* false: an entry a TF bundle marks unreadable */
  bool crc_checked;      /* set once the CRC has been verified */
  size_t key_len;        /* the key's length (a slice key holds 0 bytes) */
  /* TF: a sliced (partitioned) entry holds no data; its n_slices slices,
   * VS__SLICE_STRIDE numbers each: rank, start[VS_MAX_RANK],
   * length[VS_MAX_RANK] (-1: the whole axis). */
  int n_slices;
  int64_t *slices;
  char *tensor_name;     /* metadata, or NULL */
  int trainable;         /* 1, 0, -1 unknown */
  char **collections;    /* NULL-terminated, or NULL */
} vs__ckpt_entry;

struct vs_checkpoint {
  vs_ckpt_format format;
  char *path;            /* the file or prefix (NULL for in-memory parses) */
  vs__ckpt_entry *e;     /* sorted by key after parsing */
  size_t n, cap;
  /* TF: the slices' data entries (keys from vs__tf_slice_key), in key
   * order; not listed by the public reader, as in TF's CheckpointReader */
  vs__ckpt_entry *se;
  size_t sn, scap;
  /* safetensors: the whole file */
  uint8_t *file;
  size_t file_len;
  /* TF: shard data, loaded on first use */
  int32_t num_shards;
  uint8_t **shard;
  size_t *shard_len;
  bool *shard_loaded;
};

/* ---- crc32c.c ---- */
uint32_t vs__crc32c_extend(uint32_t crc, const void *data, size_t n);
static inline uint32_t vs__crc32c(const void *data, size_t n) { return vs__crc32c_extend(0, data, n); }
/* LevelDB's masking of stored CRCs. */
static inline uint32_t vs__crc_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
static inline uint32_t vs__crc_unmask(uint32_t m) {
  uint32_t rot = m - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

/* ---- ckpt_common.c ---- */
/* A new, empty reader of a format (NULL when out of memory, status set). */
vs_checkpoint *vs__ckpt_alloc(vs_ckpt_format fmt, const char *path, vs_status *st);
/* Appends a zeroed entry with a copy of key; NULL when out of memory. */
vs__ckpt_entry *vs__ckpt_add(vs_checkpoint *c, const char *key, size_t key_len, vs_status *st);
/* Sorts entries by key; a duplicate key is DATA_LOSS. */
bool vs__ckpt_sort(vs_checkpoint *c, vs_status *st);
/* Checks size == elements * dtype size, without overflow (readable entries). */
bool vs__ckpt_check_size(const vs_checkpoint *c, const vs__ckpt_entry *e, vs_status *st);
/* The entry's bytes, bounds- and CRC-checked; loads a TF shard on first use.
 * The pointer is borrowed from the reader. */
const uint8_t *vs__ckpt_bytes(vs_checkpoint *c, vs__ckpt_entry *e, vs_status *st);
/* The entry's value as a new host tensor: vs__ckpt_bytes, then for a TF
 * string tensor its lengths, their checksum and the entry's CRC32C checked
 * (DATA_LOSS), and UNIMPLEMENTED for a string holding a NUL byte (host
 * strings are C strings). */
vs_tensor *vs__ckpt_tensor(vs_checkpoint *c, vs__ckpt_entry *e, vs_status *st);
/* Binary search by key. */
vs__ckpt_entry *vs__ckpt_lookup(const vs_checkpoint *c, const char *key);
/* The name used in messages for a reader ("<memory>" when it has no path). */
const char *vs__ckpt_name(const vs_checkpoint *c);

/* ---- safetensors.c ---- */
/* Parses a whole safetensors file held in buf (the reader takes ownership of
 * buf on success and on failure). */
bool vs__safetensors_parse(vs_checkpoint *c, uint8_t *buf, size_t len, vs_status *st);
/* The safetensors dtype code ("F32") of a vs dtype, or NULL. */
const char *vs__safetensors_dtype(vs_dtype dt);

/* One tensor to write. */
typedef struct vs__st_item {
  const char *key;
  vs_dtype dtype;
  vs_shape shape;
  const void *data;
  size_t size;
  const char *tensor_name;           /* metadata, may be NULL */
  int trainable;                     /* -1: not recorded */
  const char *const *collections;    /* NULL-terminated, may be NULL */
} vs__st_item;

/* Writes a complete safetensors file to f (not flushed or synced); `name`
 * names the file in error messages. Errors: UNIMPLEMENTED for a dtype
 * safetensors lacks, I/O errors, RESOURCE_EXHAUSTED. */
bool vs__safetensors_write(FILE *f, const char *name, const vs__st_item *items, size_t n, vs_status *st);

/* ---- tf_bundle.c (reading) ---- */
/* LevelDB's table magic number and footer size (two block handles padded to
 * 40 bytes, then the magic). */
#define VS__TABLE_MAGIC 0xdb4775248b80fb57ull
#define VS__TABLE_FOOTER_SIZE 48
/* Parses a TF V2 .index table held in idx (borrowed for the call). Sets
 * num_shards and allocates the shard slots. */
bool vs__tf_index_parse(vs_checkpoint *c, const uint8_t *idx, size_t len, vs_status *st);
/* Gives the reader shard k's data (ownership of data passes to it). */
void vs__tf_set_shard(vs_checkpoint *c, int32_t k, uint8_t *data, size_t len);

/* ---- tf_slices.c ---- */
#define VS__SLICE_STRIDE (1 + 2 * VS_MAX_RANK)
/* More slices than this in one entry is DATA_LOSS (a bound on the work a
 * damaged index can ask for). */
#define VS__MAX_SLICES 100000
/* EncodeTensorNameSlice(name, slice) appended to b (it holds 0 bytes). */
void vs__tf_slice_key(vs__pb_buf *b, const char *name, int rank, const int64_t *start, const int64_t *length);
/* A TensorSliceProto's fields appended to b (TensorSlice::AsProto). */
void vs__tf_slice_proto(vs__pb_buf *b, int rank, const int64_t *start, const int64_t *length);
/* Appends one TensorSliceProto (BundleEntryProto.slices) to e->slices. */
bool vs__tf_parse_slice(vs_checkpoint *c, vs__ckpt_entry *e, vs__pb_rd r, vs_status *st);
/* A parsed sliced entry's checks: slices within the shape and of its rank,
 * no data of its own (DATA_LOSS); a string tensor is UNIMPLEMENTED. */
bool vs__tf_check_slices(vs_checkpoint *c, vs__ckpt_entry *e, vs_status *st);
/* The full tensor of a sliced entry: each slice's entry found, CRC-checked
 * and copied in place; a missing slice, one of another dtype or shape, or
 * elements no slice covers: DATA_LOSS. */
vs_tensor *vs__tf_assemble(vs_checkpoint *c, vs__ckpt_entry *e, vs_status *st);
/* A new tensor holding the block of `full` at `start` of `shape`. */
vs_tensor *vs__tensor_block(const vs_tensor *full, const int64_t *start, vs_shape shape, vs_status *st);
/* The slice entry under the key of `len` bytes, or NULL. */
vs__ckpt_entry *vs__ckpt_lookup_slice(const vs_checkpoint *c, const char *key, size_t len);

/* ---- var_map_order.c ---- */
/* The order (indices into c->e, malloc'd; NULL when out of memory) in
 * which TF's reader.get_variable_to_shape_map() lists c's tensors: the
 * iteration order of libstdc++'s unordered_map filled in key order. */
size_t *vs__ckpt_var_map_order(const vs_checkpoint *c);

/* ---- tf_bundle_write.c ---- */
/* One tensor of a bundle being written (borrowed for the call). */
typedef struct vs__bundle_item {
  const char *key;
  const vs_tensor *value;   /* any dtype vs_tensor holds, VS_STRING included */
  /* NULL, or the part of the tensor `key` this value is (a partitioned
   * variable's part): written as TF's slice entry, and `key` as a sliced
   * full-tensor entry listing its items' slices in item order. */
  const vs_save_slice_info *slice;
} vs__bundle_item;
/* Writes a one-shard V2 bundle as tf.train.Saver (V2) does: the tensors'
 * bytes, in item order and without padding, to `data`, and the LevelDB
 * table of BundleEntryProto (header under the empty key, then each key,
 * slice keys first as they sort first) to `index`; neither flushed nor
 * synced. Items must be sorted by key (SaveV2's order); a key repeats only
 * for the slices of one tensor, consecutively, in the order TF's Saver
 * lists them; the names name the files in error messages. Errors: a
 * write error (the OS's), RESOURCE_EXHAUSTED. */
bool vs__tf_bundle_write(FILE *data, const char *data_name, FILE *index, const char *index_name,
                         const vs__bundle_item *items, size_t n, vs_status *st);
/* ---- tf_bundle_save.c ---- */
/* Saves a bundle at `prefix` (prefix.data-00000-of-00001, prefix.index):
 * both written to temporary files and synced, then renamed, the index
 * last. Errors: ValueError "Parent directory of P doesn't exist, can't
 * save." (INVALID_ARGUMENT); the OS's errors; RESOURCE_EXHAUSTED. On error
 * no temporary file remains (and, unless the final rename of the index
 * failed, the files at prefix are unchanged). */
bool vs__tf_bundle_save(const char *prefix, const vs__bundle_item *items, size_t n, vs_status *st);
/* Writes the `checkpoint` state file beside prefix (atomically):
 * model_checkpoint_path all[n_all - 1], all_model_checkpoint_paths all. */
bool vs__ckpt_state_save(const char *prefix, const char *const *all, size_t n_all, vs_status *st);
/* The `checkpoint` state file's text (CheckpointState in text format, as
 * Python's text_format writes it): model_checkpoint_path, then every path
 * of all_model_checkpoint_paths (oldest first). malloc'd; NULL when out of
 * memory. */
char *vs__ckpt_state_text(const char *latest, const char *const *all, size_t n_all);

/* ---- file_io.c ---- */
/* Reads a whole file. Errors: the OS error as a status (NOT_FOUND, ...),
 * DATA_LOSS when the file changes size while read, RESOURCE_EXHAUSTED. */
bool vs__read_file(const char *path, uint8_t **buf, size_t *len, vs_status *st);
/* Sets st from errno for an operation on path. */
void vs__io_fail(vs_status *st, int err, const char *what, const char *path);

/* Atomic file replacement: open a temp file beside path
 * ("<path>.tmp-<pid>-XXXXXX", mode 0666 less the umask, or the mode of the
 * file it replaces), write to f, commit (fflush + fsync + rename +
 * directory fsync) or abort (remove). Opening first removes the temporary
 * files of earlier saves to path whose writer is gone or that are older
 * than VS__TMP_STALE_SECONDS. */
#define VS__TMP_STALE_SECONDS (24 * 3600)
typedef struct vs__atomic_file {
  FILE *f;
  char *path;
  char *tmp;
} vs__atomic_file;
bool vs__atomic_open(vs__atomic_file *af, const char *path, vs_status *st);
bool vs__atomic_commit(vs__atomic_file *af, vs_status *st);
/* The commit in two steps, for files that must appear together (a TF
 * bundle's data, then its index): sync flushes, fsyncs and closes the
 * temporary file; rename puts it in place (and fsyncs the directory). On
 * failure each removes the temporary file and releases af. */
bool vs__atomic_sync(vs__atomic_file *af, vs_status *st);
bool vs__atomic_rename(vs__atomic_file *af, vs_status *st);
void vs__atomic_abort(vs__atomic_file *af);

#endif
