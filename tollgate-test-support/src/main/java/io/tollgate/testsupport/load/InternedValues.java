package io.tollgate.testsupport.load;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Response header values seen in a run, each stored once and named by a small int. Samples keep the int, so a run of
 * millions of responses that all say {@code Retry-After: 1} allocates no string per response.
 */
final class InternedValues {

    /** The index that means "the header was absent". */
    static final int ABSENT = 0;

    private byte[][] values = new byte[16][];
    private int size = 1; // index 0 is ABSENT
    private int[] slots = new int[32]; // open addressing, linear probing; 0 = empty

    /** The index of the value {@code bytes[from, to)}, adding it when new. Never returns {@link #ABSENT}. */
    int intern(byte[] bytes, int from, int to) {
        int mask = slots.length - 1;
        for (int slot = hash(bytes, from, to) & mask; ; slot = (slot + 1) & mask) {
            int index = slots[slot];
            if (index == 0) {
                return add(slot, Arrays.copyOfRange(bytes, from, to));
            }
            byte[] value = values[index];
            if (Arrays.equals(value, 0, value.length, bytes, from, to)) {
                return index;
            }
        }
    }

    /** The value with this index, {@code null} for {@link #ABSENT}. */
    String value(int index) {
        return index == ABSENT ? null : new String(values[index], StandardCharsets.ISO_8859_1);
    }

    /** How many indexes are in use, {@link #ABSENT} included. */
    int size() {
        return size;
    }

    private int add(int slot, byte[] value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        int index = size++;
        values[index] = value;
        slots[slot] = index;
        if (size * 2 > slots.length) {
            rehash(slots.length * 2);
        }
        return index;
    }

    private void rehash(int capacity) {
        slots = new int[capacity];
        int mask = capacity - 1;
        for (int index = 1; index < size; index++) {
            int slot = hash(values[index], 0, values[index].length) & mask;
            while (slots[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            slots[slot] = index;
        }
    }

    private static int hash(byte[] bytes, int from, int to) {
        int h = 1;
        for (int i = from; i < to; i++) {
            h = 31 * h + bytes[i];
        }
        return h ^ (h >>> 16);
    }
}
