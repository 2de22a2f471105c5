//! The `cognate` binary: see `cognate --help`.

// A long run allocates and frees a few small strings per case; mimalloc does that in a fraction
// of glibc's instructions (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cognate::cli::main().into()
}
