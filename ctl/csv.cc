// CSV reading and writing (see csv.h).
#include "csv.h"

namespace v2v::ctl {

std::string csvField(const std::string& v) {
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string csvRow(const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csvField(fields[i]);
    return out + "\r\n";
}

std::optional<std::vector<std::string>> CsvReader::next() {
    int c = in_.get();
    if (c == EOF) return std::nullopt;
    recordLine_ = line_;
    std::vector<std::string> fields(1);
    bool quoted = false, wasQuoted = false;
    for (;; c = in_.get()) {
        std::string& f = fields.back();
        if (quoted) {
            if (c == EOF) throw CsvError(recordLine_, "unterminated quoted field");
            if (c == '"') {
                if (in_.peek() == '"') {
                    in_.get();
                    f += '"';
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n') ++line_;
                f += static_cast<char>(c);
            }
        } else if (c == '"') {
            if (!f.empty() || wasQuoted) throw CsvError(line_, "quote inside an unquoted field");
            quoted = wasQuoted = true;
        } else if (c == ',') {
            if (fields.size() >= maxFields_) throw CsvError(line_, "too many fields");
            fields.emplace_back();
            wasQuoted = false;
        } else if (c == '\r' && in_.peek() == '\n') {
            continue;
        } else if (c == '\n' || c == EOF) {
            if (c == '\n') ++line_;
            return fields;
        } else {
            if (wasQuoted) throw CsvError(line_, "text after a closing quote");
            f += static_cast<char>(c);
        }
        if (fields.back().size() > maxField_) throw CsvError(recordLine_, "field longer than " + std::to_string(maxField_) + " bytes");
    }
}

}  // namespace v2v::ctl
