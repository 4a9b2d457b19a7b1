// pgbench TPC-B reference on a throwaway cluster (see postgres.h) and the `postgres` subcommand.
#include "postgres.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "commands.h"
#include "common.h"
#include "core/tx.h"

namespace tanso::bench {

namespace {

using namespace std::chrono_literals;

std::optional<double> find_double(const std::string& text, const std::regex& re) {
  std::smatch m;
  if (!std::regex_search(text, m, re)) return std::nullopt;
  try {
    return std::stod(m[1].str());
  } catch (...) {
    return std::nullopt;
  }
}

// Runs PostgreSQL programs as the `postgres` user when we are root (initdb refuses root).
struct PgRunner {
  std::vector<std::string> prefix;  // runuser -u postgres -- , or empty
  std::string bin_dir;
  std::vector<std::string> cmd(const std::string& prog, std::vector<std::string> args) const {
    std::vector<std::string> out = prefix;
    out.push_back(bin_dir + "/" + prog);
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }
};

std::string find_runuser() {
  for (const char* p : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"})
    if (access(p, X_OK) == 0) return p;
  return {};
}

// The started cluster; the destructor stops it (fast, then kill) whatever happened.
class Cluster {
 public:
  Cluster(const PgRunner& r, fs::path data, fs::path logdir)
      : r_(r), data_(std::move(data)), logdir_(std::move(logdir)) {}
  ~Cluster() { stop(); }
  void mark_started() { started_ = true; }
  void stop() {
    if (!started_) return;
    started_ = false;
    info("stopping the PostgreSQL cluster");
    auto s = run_command(
        r_.cmd("pg_ctl", {"-D", data_.string(), "-m", "fast", "-w", "-t", "30", "stop"}),
        logdir_ / "pg_ctl_stop.log", 60s);
    if (s && *s == 0) return;
    // Still running? Kill the postmaster by its pid file.
    std::ifstream pidf(data_ / "postmaster.pid");
    long pid = 0;
    if (pidf >> pid && pid > 0) {
      warn("pg_ctl stop failed; killing postmaster " + std::to_string(pid));
      kill(static_cast<pid_t>(pid), SIGQUIT);
      std::this_thread::sleep_for(2s);
      kill(static_cast<pid_t>(pid), SIGKILL);
    }
  }

 private:
  const PgRunner& r_;
  fs::path data_, logdir_;
  bool started_ = false;
};

// Waits for a command while drawing progress from a callback (fraction 0..1).
std::optional<int> run_with_progress(const std::vector<std::string>& argv, const fs::path& log,
                                     std::chrono::milliseconds timeout, const std::string& label,
                                     const std::function<double()>& fraction) {
  Subprocess p;
  p.start(argv, log, log);
  Progress bar(label, 1000);
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto s = p.wait(200ms)) {
      bar.finish();
      return s;
    }
    if (interrupted() || Clock::now() >= deadline) {
      p.stop(5000ms);
      return std::nullopt;
    }
    bar.update(static_cast<uint64_t>(std::clamp(fraction(), 0.0, 1.0) * 1000));
  }
}

}  // namespace

PgResult run_postgres_reference(const PgOptions& o) {
  PgResult res;
  try {
    PgRunner r;
    r.bin_dir = o.bin_dir;
    for (const char* prog : {"initdb", "pg_ctl", "pgbench", "postgres", "psql"})
      if (access((o.bin_dir + "/" + prog).c_str(), X_OK) != 0) {
        res.error = o.bin_dir + "/" + prog +
                    " not found (install postgresql-15 and postgresql-contrib, or use "
                    "--skip-postgres)";
        return res;
      }
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    if (geteuid() == 0) {
      passwd* pw = getpwnam("postgres");
      if (!pw) {
        res.error =
            "running as root, but there is no 'postgres' user to run initdb as (initdb "
            "refuses root); create one or run the bench as an ordinary user";
        return res;
      }
      std::string ru = find_runuser();
      if (ru.empty()) {
        res.error = "running as root, but runuser(1) is missing (util-linux)";
        return res;
      }
      uid = pw->pw_uid;
      gid = pw->pw_gid;
      r.prefix = {ru, "-u", "postgres", "--"};
    }

    TempDir base("tanso-bench-pg-");
    if (o.keep) base.keep();
    if (geteuid() == 0 && chown(base.path().c_str(), uid, gid) != 0) {
      res.error = "chown " + base.path().string() + ": " + std::strerror(errno);
      return res;
    }
    chmod(base.path().c_str(), 0700);
    fs::path data = base.path() / "data";
    fs::path logs = base.path();
    info("cluster directory " + base.path().string() +
         (r.prefix.empty() ? "" : " (owned by postgres; commands via runuser -u postgres)"));

    // initdb
    auto t_init = Clock::now();
    auto s = run_command(r.cmd("initdb", {"-D", data.string(), "-A", "trust", "-U", "postgres",
                                          "-E", "UTF8", "--no-locale"}),
                         logs / "initdb.log", 180s);
    if (!s || *s != 0) {
      res.error = "initdb failed:\n" + tail_file(logs / "initdb.log", 15);
      return res;
    }
    info("initdb done (" + fmt_num(seconds_since(t_init), 1) + " s)");

    // start on a unix socket in the cluster dir and a free loopback port
    unsigned short port = free_tcp_port();
    std::string ps = std::to_string(port);
    Cluster cluster(r, data, logs);
    s = run_command(
        r.cmd("pg_ctl",
              {"-D", data.string(), "-l", (logs / "postgres.log").string(), "-w", "-t", "60", "-o",
               "-c listen_addresses=127.0.0.1 -p " + ps + " -k " + base.path().string(), "start"}),
        logs / "pg_ctl_start.log", 90s);
    cluster.mark_started();  // stop() is harmless if it did not start
    if (!s || *s != 0) {
      res.error = "pg_ctl start failed:\n" + tail_file(logs / "pg_ctl_start.log", 10) +
                  tail_file(logs / "postgres.log", 15);
      return res;
    }
    info("PostgreSQL started on 127.0.0.1:" + ps);

    // record the settings the run uses (defaults: fsync on, synchronous_commit on)
    s = run_command(
        r.cmd("psql", {"-X", "-At", "-h", base.path().string(), "-p", ps, "-U", "postgres", "-c",
                       "select current_setting('fsync'), current_setting('synchronous_commit'), "
                       "current_setting('shared_buffers'), current_setting('server_version')",
                       "postgres"}),
        logs / "settings.log", 30s);
    if (s && *s == 0) {
      std::string line = read_file(logs / "settings.log");
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      std::vector<std::string> parts;
      size_t a = 0;
      for (size_t b; (b = line.find('|', a)) != std::string::npos; a = b + 1)
        parts.push_back(line.substr(a, b - a));
      parts.push_back(line.substr(a));
      if (parts.size() == 4) {
        res.settings =
            "fsync=" + parts[0] + " synchronous_commit=" + parts[1] + " shared_buffers=" + parts[2];
        res.version = parts[3];
      }
    }
    if (!res.settings.empty()) info("server " + res.version + ", " + res.settings);

    // pgbench -i
    auto conn = std::vector<std::string>{"-h", "127.0.0.1", "-p", ps, "-U", "postgres"};
    std::vector<std::string> init_args = {"-i", "-s", std::to_string(o.scale)};
    init_args.insert(init_args.end(), conn.begin(), conn.end());
    init_args.push_back("postgres");
    fs::path init_log = logs / "pgbench_init.log";
    t_init = Clock::now();
    const std::regex pct_re(R"(\((\d+)%\) done)");
    s = run_with_progress(r.cmd("pgbench", init_args), init_log, 900s,
                          "pgbench -i -s " + std::to_string(o.scale), [&] {
                            std::string t = read_file(init_log);
                            double last = 0;
                            for (std::sregex_iterator it(t.begin(), t.end(), pct_re), e; it != e;
                                 ++it)
                              last = std::stod((*it)[1].str());
                            return last / 100.0;
                          });
    res.init_seconds = seconds_since(t_init);
    if (!s || *s != 0) {
      res.error = interrupted() ? "interrupted" : "pgbench -i failed:\n" + tail_file(init_log, 15);
      return res;
    }

    // the timed run
    std::vector<std::string> run_args = {"-c", std::to_string(o.clients),
                                         "-j", std::to_string(o.jobs),
                                         "-T", std::to_string(o.seconds)};
    run_args.insert(run_args.end(), conn.begin(), conn.end());
    run_args.push_back("postgres");
    res.run_command = "pgbench " + join_args(run_args);
    info(res.run_command);
    fs::path run_log = logs / "pgbench_run.log";
    auto t_run = Clock::now();
    s = run_with_progress(r.cmd("pgbench", run_args), run_log,
                          std::chrono::seconds(o.seconds + 180), "pgbench TPC-B",
                          [&] { return seconds_since(t_run) / std::max(1, o.seconds); });
    std::string out = read_file(run_log);
    if (!s || *s != 0) {
      res.error = interrupted() ? "interrupted" : "pgbench failed:\n" + tail_file(run_log, 15);
      return res;
    }
    res.tps =
        find_double(out, std::regex(R"(tps = ([0-9.]+) \(without initial connection time\))"));
    res.latency_ms = find_double(out, std::regex(R"(latency average = ([0-9.]+) ms)"));
    if (auto n =
            find_double(out, std::regex(R"(number of transactions actually processed: (\d+))")))
      res.transactions = static_cast<uint64_t>(*n);
    if (!res.tps) res.error = "could not find 'tps = ...' in pgbench's output:\n" + out;
    cluster.stop();
    if (o.keep) info("kept " + base.path().string());
  } catch (const std::exception& e) {
    res.error = e.what();
  }
  return res;
}

// `tanso-bench postgres`: the reference alone.
CommandRunner setup_postgres_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "postgres",
      "PostgreSQL 15 pgbench TPC-B only (the ledger bench's postgres_tps): a throwaway cluster "
      "on loopback with default settings (fsync on), created and deleted by the bench");
  struct Opts {
    PgOptions pg;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  sub->add_option("--seconds", o->pg.seconds, "pgbench -T")->capture_default_str();
  sub->add_option("--scale", o->pg.scale, "pgbench -i -s")->capture_default_str();
  sub->add_option("--clients", o->pg.clients, "pgbench -c")->capture_default_str();
  sub->add_option("--jobs", o->pg.jobs, "pgbench -j")->capture_default_str();
  sub->add_option("--pg-bin", o->pg.bin_dir, "PostgreSQL binaries")->capture_default_str();
  sub->add_flag("--keep", o->pg.keep, "Keep the (stopped) cluster directory");
  sub->add_flag("--json", o->json, "Print one JSON object as the last line on stdout");
  return {sub, [o]() -> int {
            phase("PostgreSQL 15 pgbench TPC-B (scale " + std::to_string(o->pg.scale) + ", " +
                  std::to_string(o->pg.clients) + " clients, " + std::to_string(o->pg.seconds) +
                  " s)");
            PgResult r = run_postgres_reference(o->pg);
            if (r.tps) info("postgres_tps " + fmt_num(*r.tps, 1));
            if (!r.error.empty()) warn("postgres: " + r.error);
            if (o->json)
              std::cout << Json{{"postgres_tps", r.tps ? Json(*r.tps) : Json()},
                                {"latency_avg_ms", r.latency_ms ? Json(*r.latency_ms) : Json()},
                                {"transactions", r.transactions},
                                {"settings", r.settings},
                                {"server_version", r.version},
                                {"command", r.run_command},
                                {"error", r.error.empty() ? Json() : Json(r.error)}}
                               .dump()
                        << std::endl;
            if (interrupted()) return kExitInterrupted;
            return r.error.empty() ? kExitOk : kExitErrors;
          }};
}

}  // namespace tanso::bench
