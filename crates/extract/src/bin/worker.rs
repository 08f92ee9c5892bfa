fn main() -> std::process::ExitCode {
    dossier_extract::worker_main()
}
