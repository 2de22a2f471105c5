//! The `cognate` binary: see `cognate --help`.

fn main() -> std::process::ExitCode {
    cognate::cli::main().into()
}
