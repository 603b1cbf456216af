"""TileLang backend: build (needs tilelang + nvcc) and load (needs only apache-tvm-ffi + torch).

Import the submodules explicitly; this package imports neither tilelang nor tvm_ffi.
"""
