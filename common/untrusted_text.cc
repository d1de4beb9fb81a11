#include "common/untrusted_text.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace turncoat {

size_t Utf8CharLength(absl::string_view bytes) {
  if (bytes.empty()) return 0;
  const unsigned char c = static_cast<unsigned char>(bytes[0]);
  size_t extra = 0;
  uint32_t code = 0;
  if (c < 0x80) {
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    extra = 1;
    code = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2;
    code = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3;
    code = c & 0x07;
  } else {
    return 0;
  }
  if (extra >= bytes.size()) return 0;  // truncated sequence
  for (size_t k = 1; k <= extra; ++k) {
    const unsigned char cc = static_cast<unsigned char>(bytes[k]);
    if ((cc & 0xC0) != 0x80) return 0;
    code = (code << 6) | (cc & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not
  // UTF-8, and JSON encoders reject them.
  static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
  if (code < kMinForLength[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return 0;
  }
  return extra + 1;
}

std::string PrintableText(absl::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t length = Utf8CharLength(bytes.substr(i));
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    // U+0080..U+009F (C1 controls, CSI among them) are two bytes: C2 80..9F.
    const bool c1 = length == 2 && c == 0xC2 && static_cast<unsigned char>(bytes[i + 1]) < 0xA0;
    const bool control = length == 1 && ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F);
    if (length == 0 || control || c1) {
      const size_t n = c1 ? 2 : 1;
      for (size_t k = 0; k < n; ++k) {
        char escaped[5];
        std::snprintf(escaped, sizeof(escaped), "\\x%02x",
                      static_cast<unsigned char>(bytes[i + k]));
        out += escaped;
      }
      i += n;
      continue;
    }
    if (c == '\\') {
      out += "\\\\";
    } else {
      out.append(bytes.data() + i, length);
    }
    i += length;
  }
  return out;
}

std::string UntrustedFileTail(const std::string& path, int lines, size_t max_bytes,
                              size_t max_line) {
  std::ifstream in(path, std::ios::binary);
  if (!in || lines <= 0) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start =
      size > static_cast<std::streamoff>(max_bytes) ? size - static_cast<std::streamoff>(max_bytes) : 0;
  in.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  tail.resize(static_cast<size_t>(in.gcount()));
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  std::vector<std::string> kept = absl::StrSplit(tail, '\n');
  if (kept.size() > static_cast<size_t>(lines)) {
    kept.erase(kept.begin(), kept.end() - lines);
  } else if (start > 0 && !kept.empty()) {
    // Read from the middle of the file, the first piece is a line's end.
    kept.front().insert(0, "...");
  }
  for (std::string& line : kept) {
    if (line.size() > max_line) {
      size_t cut = max_line;
      // Never split a UTF-8 character: back up to the start of one.
      while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
      line = absl::StrCat(line.substr(0, cut), "...");
    }
    line = PrintableText(line);
  }
  return absl::StrJoin(kept, "\n");
}

}  // namespace turncoat
