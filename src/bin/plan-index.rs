//! The `plan-index` command-line tool (see `plan_index::cli`).

fn main() -> std::process::ExitCode {
    plan_index::cli::main()
}
