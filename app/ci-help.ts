// The `leakwatch ci` help text, apart from the command's code so `--help`
// loads none of it.

export const CI_HELP = `  leakwatch ci backfill --provider github --repo owner/name --since 7d
                       [--api-url URL] [--format text|json|jsonl|sarif]
                       [--kafka] [--state FILE] [--config FILE] [--exit-code N]
      Scan the logs of the jobs that finished since then (30m, 12h, 7d, or a
      date). Without --kafka it scans in this process and prints findings like
      scan, each with the repository, job and a link to the line; with --kafka
      it produces the logs to the pipeline (kafka.* from the config). Progress
      on stderr; a second run resumes where the first stopped (--state).
      Auth: collector.github.tokenFile or app.*, else GITHUB_TOKEN.
`
