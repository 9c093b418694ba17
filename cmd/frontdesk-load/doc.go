// Command frontdesk-load puts a load of realistic Telegram updates on
// frontdesk and reports how fast webhooks are accepted and replies sent, and
// whether every message was answered exactly as the rules say. Run it from
// the repository root:
//
//	go run ./cmd/frontdesk-load --mode pipeline --rate 2000 --duration 10s
//	go run ./cmd/frontdesk-load --mode ingest --rate max --duration 10s --floor --json
//	go run ./cmd/frontdesk-load --db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' --replicas 3
//	go run ./cmd/frontdesk-load --duration 10m --rate 500 --crash-at 3m --outage-at 6m --outage-for 30s
//
// It builds ./cmd/frontdesk (or takes --bin), starts --replicas `frontdesk
// serve` processes on one database (a temporary SQLite file, or a fresh
// schema in a PostgreSQL database, dropped at the end) with a config and
// rules of its own, and answers their Bot API calls with a lean fake.
// Webhooks go to the replicas round-robin. With --target URL --secret S it
// drives a bot that is already running instead; point that bot's Bot API at
// the fake (printed at the start; fixed with --api-listen).
//
// # Load
//
// --rate N is an open loop: update i is due at i/N seconds whatever the
// service does, up to 256 posts are in flight, and latencies count from the
// due time, so a slow service cannot hide its queueing (no coordinated
// omission). rate_kept is false when more than 1 % of the updates could not
// even be handed to a poster within 50 ms. --rate max is a closed loop of
// --concurrency posters. A post that fails (network error, 429, 5xx) is
// posted again, as Telegram does, with a backoff, for up to 30 s; those are
// retries, and only a post that never got its 200 is an error.
//
// --mode ingest measures webhook acceptance (committed, then 200) and stops;
// --mode pipeline also waits up to --drain for the replies and measures from
// the due time to the fake receiving the reply. --floor first runs the same
// load against a bare gin handler in this process: floor_per_sec is what
// this machine and generator can post at all, ingest_ratio the service's
// share of it.
//
// --api-latency D makes the fake Bot API answer every call after D, all
// calls in flight waiting side by side, as the real one does across the
// internet: the replicas' senders then wait on I/O rather than on CPU,
// which is how replicas scale. A reply counts as sent when its call is
// answered, so send latencies include D.
//
// # Workload
//
// Deterministic for --seed: about 70 % FAQ questions from --customers
// ongoing conversations (each customer asks different topics, in Chinese,
// Russian, English or mixed scripts), 10 % a new customer asking for a
// person (one reply, and a notice to the team chat, counted as
// team_notices), 10 % link spam (never answered) and 10 % an update posted
// again (never answered again). The customer's first_name is the message's
// number, m<n>, and every reply of the tool's rules ends in [m<n>], so each
// reply says which message it answers. Against a --target, whose replies say
// nothing of the kind, replies are matched per chat, in order.
//
// # Report
//
// One JSON object with --json (progress goes to stderr), else a table. Keys:
// mode, rate, concurrency, duration_s, db, replicas, target, seed; posted,
// posted_per_sec, rate_kept, generator_late, generator_lag_max_ms; accepted,
// accepted_per_sec and webhook_{p50,p90,p99,max}_ms; retries, errors; sent
// (replies to customers) and sent_per_sec (sent over first post to last
// reply), send_{p50,p90,p99,max}_ms; team_notices; duplicates (messages
// answered more than once), lost (accepted messages that expected a reply
// and got none), unexpected (replies to messages that expected none, or
// naming no message); outage_refused, crashes, restart_ms; rss_mb (peak
// VmHWM over the replicas); with --floor floor_per_sec and ingest_ratio;
// api_latency_ms with --api-latency; messages, statements_per_message,
// commits_per_message, cpu_ms_per_reply, on SQLite writer_busy and writer_parts and, on
// PostgreSQL, pg_commits_per_message, pg_xids_per_message and
// pg_cpu_ms_per_reply (see Cost). In ingest mode the send latencies and lost are null: replies are
// not waited for.
//
// # Cost
//
// In pipeline mode, with replicas of its own, the tool reports what the
// service spent from just before the first post to the end of the drain.
// That span includes the drain's idle second after the last reply (and,
// after a crash, the wait for the lease), so the replicas' idle polling
// counts too: tens of statements a second, noise at --rate max, not at a
// low rate. All of these are null in ingest mode, where deciding and
// sending are still under way when the run ends, and against a --target.
//
// messages is the denominator of the per-message figures: the customer
// messages accepted during the run, each once. An update posted again (the
// workload's repeats, a post retried after a failure) is not another
// message; spam and requests for a person are messages.
//
// statements_per_message and commits_per_message: the growth of the
// store's own counters frontdesk_db_statements_total and
// frontdesk_db_commits_total, read from each replica's /metrics (no token
// needed) at the start and at the end and summed over the replicas. A
// scrape costs the replica one query (the outbox depth), so the tool
// scrapes at those moments only. The replica that --crash-at kills loses
// its counters with it: it is scraped just before the SIGKILL (what it does
// in the milliseconds between is missed), and its replacement counts from
// its start, startup included. A replica whose counters could not be read
// (one that died on its own) makes both figures null rather than too small.
//
// writer_busy (SQLite): the share of the measured span during which the
// database's one writer was held, from the growth of the replica's
// frontdesk_db_writer_held_seconds_total. Near 1, the writer is the
// serialization point: every transaction waits for the others, and more
// CPU would not write faster. Absent on PostgreSQL, which has no one writer.
//
// writer_parts (SQLite): writer_busy by what the writer did, from
// frontdesk_db_writer_part_seconds_total; the shares add up to writer_busy
// (up to rounding). accept: webhooks' group commits; apply: decided events'
// effects; claim_events and claim_sends: the claims, each with its own
// commit; sent: sends recorded and the next messages of their chats leased;
// commit: the commits of transactions combined; checkpoint: the writer's
// share of copying the log into the database (most of it is copied
// beside the writer); other: everything else (agents' actions, timers,
// pruning) and the turns' own overhead.
//
// pg_commits_per_message (PostgreSQL): the growth of xact_commit in
// pg_stat_database for the database of --db. It does not agree with
// commits_per_message, and should not: PostgreSQL counts every
// transaction committed, read-only ones included, and every statement sent
// outside BEGIN … COMMIT is a transaction of its own, as the store's
// snapshot reads are; the store counts only its own transactions. In a run
// at --rate max the two were 1.52 and 0.36. pg_xids_per_message is the
// figure to hold against commits_per_message: the transaction ids
// PostgreSQL handed out, which it does only to transactions that write
// (0.34 in that run, within 5 %; the store also counts its transactions
// that found nothing to write, so at 300 updates/s, where idle polling
// weighs more, its count ran 15 to 30 % above the ids). Both count more
// than this run: xact_commit every session on the database (the tool warns
// when it sees others; its own readings add a handful), the ids every
// writing transaction on the whole server, autovacuum's ANALYZE included
// (one crash run on the shared machine had 35 % more ids than the store's
// commits, the next 24 % fewer: most likely someone else's load). A backend
// reports to
// pg_stat_database at most once a second and may hold up to ten seconds of
// counts while idle, but always reports at exit; so on PostgreSQL the tool
// stops the replicas before its last reading and waits for their backends
// to be gone. That reading thus ends a moment later than the others (the
// replicas' shutdown, a few statements), and may begin with some of the
// startup's counts still pending.
//
// cpu_ms_per_reply: CPU time over sent. It is the replicas' (utime+stime
// from /proc/PID/stat, in clock ticks as the kernel's AT_CLKTCK says) and,
// on PostgreSQL, that of every process on this machine whose
// /proc/PID/comm is postgres, pg_cpu_ms_per_reply being that share. Those
// include the server's background processes and every other client's
// backends: during a run this run's backends dominate, but another load on
// the same server counts too, and on a shared machine the figure is only
// as good as the machine is quiet. A replica that exits during the run
// counts in full (the kernel tells its parent, the tool, when it is
// reaped); a backend that exits counts through the postmaster's children's
// time (cutime+cstime), to which the kernel adds it when the postmaster
// reaps it. With PostgreSQL on another machine only the replicas count,
// with a warning.
//
// # Soak
//
// --crash-at D kills replica 0 with SIGKILL and restarts it on the same
// database; --outage-at D --outage-for D makes the fake answer sendMessage
// with 500. After a crash the drain also waits out the service's lease
// (30 s), so that a reply sent twice because of the kill shows as a
// duplicate.
//
// With FRONTDESK_LOAD_LOGS set, the replicas' last log lines are printed when
// the run ends (they are printed anyway when a replica dies).
package main
