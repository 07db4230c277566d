use clap::Parser;

// hyper allocates per request; mimalloc makes that markedly cheaper (see bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = quietlist::cli::Cli::parse();
    quietlist::telemetry::init_with(cli.common.log_format, cli.default_log_filter());
    match quietlist::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quietlist: {e:#}");
            // A refused key has its own code, so that scripts can tell it apart.
            match e.downcast_ref::<quietlist::privacy::keys::KeyError>() {
                Some(refused) => std::process::ExitCode::from(refused.exit_code()),
                None => std::process::ExitCode::FAILURE,
            }
        }
    }
}
