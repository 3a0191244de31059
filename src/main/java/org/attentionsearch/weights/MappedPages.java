package org.attentionsearch.weights;

import java.lang.foreign.MemorySegment;

/**
 * Weights copied out of a memory-mapped file no longer need its pages in the process: the
 * pages stay in the operating system's page cache, but while mapped and touched they count
 * towards the process's resident memory, which then holds every such weight twice. Releasing
 * them (madvise(DONTNEED) through {@link MemorySegment#unload}) changes nothing that a read
 * can see: a later read faults the same bytes back in from the file.
 */
final class MappedPages {
    private MappedPages() {
    }

    /** Drops the resident pages of a mapped region (a segment of the heap or of native memory is left alone). */
    static void release(MemorySegment region) {
        if (region.isMapped()) region.unload();
    }

    /** {@code copy}, after releasing the region it was read from. */
    static float[] copied(float[] copy, MemorySegment region) {
        release(region);
        return copy;
    }
}
