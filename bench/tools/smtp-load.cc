// smtp-load: an SMTP load generator for benchmarks. N concurrent sessions
// send M messages in total (several per session), each a generated message
// of about SIZE bytes or a given file. Prints the rate it achieved. See --help.
#include <sys/time.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "line_socket.h"

namespace {

struct Options {
    bench::HostPort server{"127.0.0.1", 25};
    int sessions = 8;
    long messages = 1000;
    long perSession = 100;  // messages before a session reconnects
    std::size_t size = 2048;
    std::string from = "sender@example.test";
    std::string to = "user@remote.test";
    std::string helo = "load.example.test";
    std::string dataFile;
    bool json = false;
    int timeoutMs = 60000;
};

const char* kHelp =
    "usage: smtp-load --server HOST:PORT [--sessions N] [--messages M]\n"
    "                 [--per-session K] [--size BYTES | --data FILE]\n"
    "                 [--from ADDR] [--to ADDR] [--helo NAME] [--json] [--timeout SECONDS]\n"
    "\n"
    "Sends M messages over N concurrent SMTP sessions (EHLO, then MAIL/RCPT/DATA\n"
    "per message, a new session after K messages) and prints the rate:\n"
    "  sent M messages in T s: R msg/s over N sessions (E errors)\n"
    "\n"
    "  --server HOST:PORT  the SMTP server (required)\n"
    "  --sessions N        concurrent sessions (default 8)\n"
    "  --messages M        messages in total (default 1000)\n"
    "  --per-session K     messages per session before QUIT and reconnect (default 100)\n"
    "  --size BYTES        size of the generated message (default 2048): From, To,\n"
    "                      Subject, Date, Message-ID <load-I-R@DOMAIN of --from>,\n"
    "                      MIME-Version, Content-Type, and text lines\n"
    "  --data FILE         send this message instead (LF or CRLF lines)\n"
    "  --from, --to        envelope and header addresses (defaults sender@example.test,\n"
    "                      user@remote.test)\n"
    "  --helo NAME         EHLO name (default load.example.test)\n"
    "  --json              print one JSON line instead:\n"
    "                      {\"messages\":M,\"errors\":E,\"start\":T0,\"end\":T1,\"rate\":R}\n"
    "  --timeout SECONDS   per-reply timeout (default 60)\n"
    "\n"
    "A 4xx/5xx reply counts as an error (the session goes on). Exit status 0 when\n"
    "every message was accepted, 1 otherwise, 64 on bad arguments.\n";

double now() {
    timeval tv;
    gettimeofday(&tv, nullptr);
    return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
}

// The message body in SMTP form (CRLF, dot-stuffed), without the final ".".
std::string generated(const Options& o, long index, const std::string& runId) {
    std::string domain = o.from.substr(o.from.find('@') + 1);
    std::ostringstream h;
    h << "From: Load Test <" << o.from << ">\r\n"
      << "To: <" << o.to << ">\r\n"
      << "Subject: load test message " << index << "\r\n"
      << "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
      << "Message-ID: <load-" << index << "-" << runId << "@" << domain << ">\r\n"
      << "MIME-Version: 1.0\r\n"
      << "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
    std::string msg = h.str();
    static const char* words[] = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit"};
    std::string line;
    for (std::size_t w = 0; msg.size() + line.size() < o.size; ++w) {
        line += words[w % 8];
        line += ' ';
        if (line.size() > 70) {
            msg += line + "\r\n";
            line.clear();
        }
    }
    return msg + line + "\r\n";
}

std::string fromFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot read " + path);
    std::string out, line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty() && line[0] == '.') line.insert(0, ".");
        out += line + "\r\n";
    }
    return out;
}

// Reads one (possibly multi-line) reply; returns its code.
int reply(bench::LineReader& in) {
    std::string line;
    for (;;) {
        if (!in.readLine(line)) throw std::runtime_error("connection closed");
        if (line.size() < 4 || line[3] != '-') break;
    }
    return line.size() >= 3 ? std::atoi(line.substr(0, 3).c_str()) : 0;
}

struct Shared {
    std::atomic<long> next{0};
    std::atomic<long> sent{0}, errors{0};
    std::string runId;
};

void worker(const Options& o, Shared& s) {
    while (s.next.load() < o.messages) {
        int fd = -1;
        try {
            fd = bench::connectTo(o.server);
            bench::LineReader in(fd, o.timeoutMs);
            if (reply(in) != 220) throw std::runtime_error("no 220 greeting");
            bench::writeAll(fd, "EHLO " + o.helo + "\r\n");
            if (reply(in) != 250) throw std::runtime_error("EHLO refused");
            for (long k = 0; k < o.perSession; ++k) {
                long i = s.next.fetch_add(1);
                if (i >= o.messages) break;
                std::string body = o.dataFile.empty() ? generated(o, i, s.runId) : fromFile(o.dataFile);
                // Pipelined envelope: MAIL, RCPT and DATA in one write.
                bench::writeAll(fd, "MAIL FROM:<" + o.from + ">\r\nRCPT TO:<" + o.to + ">\r\nDATA\r\n");
                int m = reply(in), r = reply(in), d = reply(in);
                if (d != 354) {
                    ++s.errors;
                    if (m / 100 == 2 && r / 100 == 2) throw std::runtime_error("DATA refused");
                    bench::writeAll(fd, "RSET\r\n");
                    reply(in);
                    continue;
                }
                bench::writeAll(fd, body + ".\r\n");
                if (reply(in) / 100 == 2) ++s.sent;
                else ++s.errors;
            }
            bench::writeAll(fd, "QUIT\r\n");
            reply(in);
        } catch (const std::exception& e) {
            ++s.errors;
            std::cerr << "smtp-load: " << e.what() << "\n";
        }
        if (fd >= 0) ::close(fd);
    }
}

Options parse(int argc, char** argv) {
    Options o;
    bool server = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
            return argv[++i];
        };
        if (a == "--server") {
            o.server = bench::parseHostPort(next());
            server = true;
        } else if (a == "--sessions") o.sessions = std::stoi(next());
        else if (a == "--messages") o.messages = std::stol(next());
        else if (a == "--per-session") o.perSession = std::stol(next());
        else if (a == "--size") o.size = std::stoul(next());
        else if (a == "--data") o.dataFile = next();
        else if (a == "--from") o.from = next();
        else if (a == "--to") o.to = next();
        else if (a == "--helo") o.helo = next();
        else if (a == "--json") o.json = true;
        else if (a == "--timeout") o.timeoutMs = std::stoi(next()) * 1000;
        else if (a == "-h" || a == "--help") {
            std::cout << kHelp;
            std::exit(0);
        } else throw std::invalid_argument("unknown argument: " + a);
    }
    if (!server) throw std::invalid_argument("--server is required");
    if (o.sessions < 1 || o.messages < 1 || o.perSession < 1) throw std::invalid_argument("counts must be positive");
    if (o.from.find('@') == std::string::npos) throw std::invalid_argument("--from needs an address");
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    try {
        o = parse(argc, argv);
        if (!o.dataFile.empty()) fromFile(o.dataFile);
    } catch (const std::exception& e) {
        std::cerr << "smtp-load: " << e.what() << "\n" << kHelp;
        return 64;
    }
    Shared s;
    s.runId = std::to_string(static_cast<long>(now() * 1000));
    double start = now();
    std::vector<std::thread> threads;
    for (int i = 0; i < o.sessions; ++i) threads.emplace_back(worker, std::cref(o), std::ref(s));
    for (auto& t : threads) t.join();
    double end = now();
    double rate = s.sent.load() / (end - start);
    if (o.json)
        std::printf("{\"messages\":%ld,\"errors\":%ld,\"start\":%.6f,\"end\":%.6f,\"rate\":%.1f}\n", s.sent.load(),
                    s.errors.load(), start, end, rate);
    else
        std::printf("sent %ld messages in %.2f s: %.1f msg/s over %d sessions (%ld errors)\n", s.sent.load(),
                    end - start, rate, o.sessions, s.errors.load());
    return s.errors.load() == 0 ? 0 : 1;
}
