// Bounce parser benchmarks (run by bench/bounce/run):
//   bounce_bench parse CORPUS_DIR SECONDS
//       in-process parse rate over every *.eml of the corpus (read once into
//       memory, parsed round after round until SECONDS have passed)
//   bounce_bench pipe BINARY REPORT.eml RUNS WORKDIR
//       per-invocation time of the pipe program (fork, exec, parse, SQLite
//       write on a real database file in WORKDIR), p50/p90/max in ms
#include <dirent.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "db.h"
#include "parser.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::vector<std::string> corpus(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > 4 && n.compare(n.size() - 4, 4, ".eml") == 0) names.push_back(dir + "/" + n);
        }
        closedir(d);
    }
    std::sort(names.begin(), names.end());
    std::vector<std::string> out;
    for (const auto& n : names) out.push_back(slurp(n));
    return out;
}

int parseBench(const std::string& dir, double seconds) {
    auto mails = corpus(dir);
    if (mails.empty()) {
        std::cerr << "no *.eml in " << dir << "\n";
        return 2;
    }
    std::size_t parsed = 0, records = 0;
    for (const auto& m : mails) records += v2v::bounce::parseReport(m).records.size();  // warm-up round
    auto start = Clock::now();
    double elapsed = 0;
    // A negative SECONDS means a fixed number of rounds (for instruction-count profiling).
    int rounds = seconds < 0 ? static_cast<int>(-seconds) : -1;
    while (rounds < 0 ? elapsed < seconds : rounds-- > 0) {
        for (const auto& m : mails) {
            parsed += 1;
            records += v2v::bounce::parseReport(m).records.size();
        }
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    if (parsed == 0) return 0;
    std::printf("v2v_parse files=%zu parsed=%zu seconds=%.2f msgs_per_s=%.0f us_per_msg=%.1f\n", mails.size(),
                parsed, elapsed, parsed / elapsed, 1e6 * elapsed / parsed);
    return records ? 0 : 1;
}

double runOnce(const std::string& binary, const std::string& config, const std::string& recipient,
               const std::string& input) {
    int fd = open(input.c_str(), O_RDONLY);
    if (fd < 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> args = {binary, "-c", config, "", recipient};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto t0 = Clock::now();
    pid_t pid;
    int rc = posix_spawn(&pid, binary.c_str(), &fa, nullptr, argv.data(), environ);
    int status = 0;
    if (rc == 0) waitpid(pid, &status, 0);
    auto t1 = Clock::now();
    posix_spawn_file_actions_destroy(&fa);
    close(fd);
    if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

int pipeBench(const std::string& binary, const std::string& reportPath, int runs, const std::string& work) {
    const std::string id = "01HZX5K2M3N4P5Q6R7S8T9V0WX";
    std::string db = work + "/bench.db", config = work + "/v2v.yaml";
    {
        v2v::Db d(db, 5000);
        v2v::migrate(d);
        d.execScript("INSERT OR IGNORE INTO clients(id, name, secret_hash, created_at, updated_at) VALUES "
                     "('bench','bench','x',0,0)");
        d.prepare("INSERT OR IGNORE INTO emails(id, client_id, message_id, from_address, status, created_at, "
                  "updated_at) VALUES (?, 'bench', ?, 'shop@example.test', 'submitted', 0, 0)")
            .bind(1, id).bind(2, id + "@example.test").exec();
        d.prepare("INSERT OR IGNORE INTO recipients(email_id, idx, address, status, updated_at) "
                  "VALUES (?, 0, 'nobody@remote.example', 'submitted', 0)")
            .bind(1, id).exec();
    }
    std::ofstream(config) << "log:\n  level: warning\ndatabase:\n  path: " << db
                          << "\ndomains:\n  bounce_domain: bounces.example.test\n  verp_prefix: bounce\n";
    std::string report = slurp(reportPath);
    // Like the gateway in production, keep a connection open: the pipe program
    // is then never the last one to close the database.
    v2v::Db holder(db, 5000);
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        // A different report each time (distinct digest), so every run really writes.
        std::string input = work + "/report.eml";
        std::ofstream(input, std::ios::binary) << "X-Bench-Run: " << i << "\n" << report;
        double t = runOnce(binary, config, "bounce+" + id + "-0@bounces.example.test", input);
        if (t < 0) {
            std::cerr << "run " << i << " failed\n";
            return 1;
        }
        ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) { return ms[static_cast<std::size_t>(p * (ms.size() - 1))]; };
    std::printf("v2v_pipe runs=%zu p50_ms=%.2f p90_ms=%.2f max_ms=%.2f\n", ms.size(), pct(0.5), pct(0.9),
                ms.back());
    v2v::Stmt s = holder.prepare("SELECT count(*) FROM bounces");
    s.step();
    std::printf("v2v_pipe bounces_rows=%lld\n", static_cast<long long>(s.getInt(0)));
    return s.getInt(0) == runs ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() == 3 && a[0] == "parse") return parseBench(a[1], std::stod(a[2]));
    if (a.size() == 5 && a[0] == "pipe") return pipeBench(a[1], a[2], std::stoi(a[3]), a[4]);
    std::cerr << "usage: bounce_bench parse CORPUS_DIR SECONDS | pipe BINARY REPORT.eml RUNS WORKDIR\n";
    return 2;
}
