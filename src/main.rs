use clap::Parser;

// hyper allocates per request; mimalloc makes that markedly cheaper (see bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = quietlist::cli::Cli::parse();
    quietlist::telemetry::init(cli.common.log_format);
    match quietlist::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quietlist: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
