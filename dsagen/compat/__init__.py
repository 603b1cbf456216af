"""Drop-in replacements: dsagen.compat.deep_gemm and dsagen.compat.flash_mla."""
