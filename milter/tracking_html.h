// Link and pixel rewriting of decoded HTML and plain text (no MIME here; see
// tracking_mime.h). Pure functions over bytes of an ASCII-compatible text.
//
// HTML: every http/https href of an <a> or <area> tag (any case; value in
// double, single or no quotes; entities such as &amp; decoded before signing)
// becomes a click URL, except links marked with the data-v2v-notrack
// attribute, links that are already tracking URLs, the message's
// List-Unsubscribe URLs and links to excluded domains. Comments (but not
// Outlook's <!--[if ...]> blocks), <script> and <style> are left alone. The
// open pixel goes before the last </body>, else before the last </html>,
// else at the end; never twice.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace v2v::milter {

// The attribute that keeps a link as it is: <a href="..." data-v2v-notrack>.
inline constexpr const char* kNoTrackAttribute = "data-v2v-notrack";
// Longest URL that is wrapped (the token carries it); longer ones are left alone.
inline constexpr std::size_t kMaxTrackedUrl = 4096;

struct LinkPolicy {
    std::string trackingPrefix;                // base_url + "/api/v1/tracking/": our own URLs
    std::vector<std::string> excludedDomains;  // lower case; subdomains match too
    std::vector<std::string> keepUrls;         // exact URLs never wrapped (List-Unsubscribe)
    bool clicks = false;
    bool opens = false;
    std::string pixelUrl;                                   // used when opens
    std::function<std::string(const std::string&)> wrap;   // target URL -> click URL (when clicks)
};

struct HtmlRewrite {
    std::string text;
    int links = 0;       // hrefs rewritten
    bool pixel = false;  // pixel inserted
    bool changed() const { return links > 0 || pixel; }
};

// Rewrites hrefs and inserts the pixel as the policy says.
HtmlRewrite rewriteHtml(std::string_view html, const LinkPolicy& policy);

// Plain text: bare http/https URLs become click URLs (trailing punctuation and
// an unbalanced closing bracket stay outside the URL).
HtmlRewrite rewriteTextLinks(std::string_view text, const LinkPolicy& policy);

// The URL rules: true when `url` (already entity-decoded and trimmed) is an
// http/https URL of printable ASCII that the policy wraps.
bool shouldWrap(std::string_view url, const LinkPolicy& policy);

// Decodes the character references a URL attribute may hold (&amp; &lt; &gt;
// &quot; &apos; &#N; &#xH;, with the semicolon); others stay as written.
std::string decodeAttribute(std::string_view v);

// The host of an http(s) URL, lower case, without user info, port or a
// trailing dot; "" when there is none.
std::string urlHost(std::string_view url);

}  // namespace v2v::milter
