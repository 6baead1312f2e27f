/* batch.cl - many variables' constant initial values in one launch
 * (engine/exec/batch.c). T is an unsigned integer of the elements' size
 * (uchar, ushort, uint, ulong): a fill copies bits, whatever the dtype.
 *
 * Entry e of the table is FILL_WORDS ulongs: the first element in `out`,
 * the element count, the entry's first chunk in the launch, and the value's
 * bits (low bytes first). Work-item g writes chunk g, FILL_CHUNK elements
 * of one entry, found by a binary search over the entries' first chunks. */
#define FILL_WORDS 4
#define FILL_CHUNK 64

__kernel void fill_batch(__global T *out, __global const ulong *table, const uint entries, const ulong chunks) {
  ulong g = get_global_id(0);
  if (g >= chunks) return;
  uint lo = 0, hi = entries - 1;
  while (lo < hi) {
    uint mid = (lo + hi + 1) / 2;
    if (table[mid * FILL_WORDS + 2] <= g) lo = mid;
    else hi = mid - 1;
  }
  __global const ulong *t = table + lo * FILL_WORDS;
  ulong n = t[1], first = (g - t[2]) * FILL_CHUNK;
  ulong end = first + FILL_CHUNK < n ? first + FILL_CHUNK : n;
  T value = (T)t[3];
  __global T *o = out + t[0];
  for (ulong e = first; e < end; e++) o[e] = value;
}
