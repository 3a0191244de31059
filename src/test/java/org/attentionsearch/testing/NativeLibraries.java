package org.attentionsearch.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * llama.cpp's prebuilt libraries from the npm fixtures, opened once per JVM by absolute path
 * in dependency order (libggml-base, libggml, libllama; each finds the ones it links against
 * beside it through its $ORIGIN run path) and never closed.
 */
final class NativeLibraries {

    static final Linker LINKER = Linker.nativeLinker();

    private static final SymbolLookup GGML_BASE = open("libggml-base.so");
    private static final SymbolLookup GGML = open("libggml.v0.4.0.so");
    private static final SymbolLookup LLAMA = open("libllama.v0.4.0.so");

    private NativeLibraries() {
    }

    static Path directory() {
        return Fixtures.llamaCppLibraries();
    }

    /** A function of libggml-base (tensor types, quantization, tensors). */
    static MethodHandle ggmlBase(String name, FunctionDescriptor signature) {
        return LINKER.downcallHandle(find(GGML_BASE, name), signature);
    }

    /** A function of libggml (the backend registry). */
    static MethodHandle ggml(String name, FunctionDescriptor signature) {
        return LINKER.downcallHandle(find(GGML, name), signature);
    }

    /** A function of libllama. */
    static MethodHandle llama(String name, FunctionDescriptor signature) {
        return LINKER.downcallHandle(find(LLAMA, name), signature);
    }

    private static SymbolLookup open(String file) {
        return SymbolLookup.libraryLookup(directory().resolve(file), Arena.global());
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException("llama.cpp's libraries have no symbol " + name));
    }
}
