//! mortie-compatible morton indices (in progress).
