//! plan-index: a vector index baked into the binary, searched with SIMD, served from AWS Lambda.
