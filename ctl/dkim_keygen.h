// DKIM key generation for `v2vctl dkim generate/rotate` (OpenSSL 3). The DNS
// record of a key is computed by the milter's own code (milter/dkim_keys.h),
// so v2vctl prints exactly what v2v-milter --dns-records would.
#pragma once

#include <string>

namespace v2v::ctl {

// Writes a new private key (PKCS#8 PEM) to `path`: created exclusively (an
// existing file is never replaced), mode 0640, group of its directory.
// algorithm: rsa-sha256 (RSA of `bits`, 1024..8192) or ed25519-sha256.
// Throws std::runtime_error naming the path.
void generateDkimKey(const std::string& algorithm, int bits, const std::string& path);

// A TXT value as a zone-file record value: quoted strings of at most 255
// bytes (RFC 1035), e.g. ( "v=DKIM1; k=rsa; p=MIIB..." "...IDAQAB" ).
std::string zoneTxt(const std::string& value);

}  // namespace v2v::ctl
