// CSV (RFC 4180) for v2vctl's suppression import/export: fields with a comma,
// quote, CR or LF are quoted, quotes doubled. The reader takes CRLF or LF
// line ends and quoted fields across lines; it bounds the field and record
// sizes so a hostile file cannot exhaust memory.
#pragma once

#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace v2v::ctl {

class CsvError : public std::runtime_error {
public:
    CsvError(int line, const std::string& what) : std::runtime_error("line " + std::to_string(line) + ": " + what), line_(line) {}
    int line() const { return line_; }

private:
    int line_;
};

std::string csvField(const std::string& v);
std::string csvRow(const std::vector<std::string>& fields);  // with "\r\n"

class CsvReader {
public:
    explicit CsvReader(std::istream& in, std::size_t maxField = 4096, std::size_t maxFields = 64)
        : in_(in), maxField_(maxField), maxFields_(maxFields) {}
    // The next record, or nullopt at the end. Throws CsvError (bad quoting, too long).
    std::optional<std::vector<std::string>> next();
    // Line number where the last record returned started (1-based).
    int line() const { return recordLine_; }

private:
    std::istream& in_;
    std::size_t maxField_, maxFields_;
    int line_ = 1, recordLine_ = 0;
};

}  // namespace v2v::ctl
