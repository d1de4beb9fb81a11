#include "agents/frame_format.h"

#include <openssl/sha.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace turncoat {
namespace agent {
namespace {

uint32_t Crc32c(absl::string_view bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0x82F63B78u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

}  // namespace

std::optional<ChecksumAlgorithm> ChecksumAlgorithmNamed(absl::string_view name) {
  if (name == "crc32") return ChecksumAlgorithm::kCrc32;
  if (name == "crc32c") return ChecksumAlgorithm::kCrc32c;
  if (name == "sha256d") return ChecksumAlgorithm::kSha256d;
  return std::nullopt;
}

absl::StatusOr<FrameFormat> FrameFormat::Compile(FramingSpec spec) {
  if (spec.header_bytes == 0) {
    return absl::InvalidArgumentError("framing: header_bytes must be at least 1");
  }
  struct Named {
    const char* name;
    const HeaderField* field;
  };
  const std::vector<Named> fields = {{"magic", &spec.magic},
                                     {"type", &spec.type},
                                     {"length", &spec.length},
                                     {"checksum", &spec.checksum}};
  if (!spec.length.present()) {
    return absl::InvalidArgumentError(
        "framing: length is required: the header field that says how long each message is");
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    const HeaderField& f = *fields[i].field;
    if (!f.present()) continue;
    const bool integer = fields[i].field != &spec.checksum ||
                         spec.checksum_algorithm != ChecksumAlgorithm::kSha256d;
    if (integer && f.size != 1 && f.size != 2 && f.size != 4 && f.size != 8) {
      return absl::InvalidArgumentError(absl::StrCat("framing: ", fields[i].name, ": size ", f.size,
                                                     " is not 1, 2, 4 or 8 bytes"));
    }
    if (!integer && f.size > 32) {
      return absl::InvalidArgumentError(
          "framing: checksum: a sha256d checksum holds at most 32 bytes of the digest");
    }
    if (f.offset + f.size > spec.header_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "framing: ", fields[i].name, ": bytes ", f.offset, "..", f.offset + f.size,
          " lie outside the ", spec.header_bytes, "-byte header; raise header_bytes or fix the offset"));
    }
    for (size_t j = 0; j < i; ++j) {
      const HeaderField& g = *fields[j].field;
      if (g.present() && f.offset < g.offset + g.size && g.offset < f.offset + f.size) {
        return absl::InvalidArgumentError(absl::StrCat("framing: ", fields[i].name, " overlaps ",
                                                       fields[j].name, " in the header"));
      }
    }
  }
  if (spec.length_counts == FrameSpan::kFrom) {
    return absl::InvalidArgumentError("framing: a length counts the payload or the whole frame");
  }
  if (spec.checksum_covers == FrameSpan::kFrom && spec.checksum_from >= spec.header_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "framing: checksum: covers from byte ", spec.checksum_from, ", beyond the ",
        spec.header_bytes, "-byte header"));
  }
  if (spec.max_frame_bytes < spec.header_bytes) {
    return absl::InvalidArgumentError("framing: max_frame_bytes is smaller than the header");
  }
  return FrameFormat(std::move(spec));
}

uint64_t FrameFormat::Read(absl::string_view frame, const HeaderField& field) const {
  uint64_t value = 0;
  for (uint32_t i = 0; i < field.size; ++i) {
    const uint32_t at = spec_.big_endian ? field.offset + i : field.offset + field.size - 1 - i;
    value = (value << 8) | static_cast<unsigned char>(frame[at]);
  }
  return value;
}

void FrameFormat::Write(std::string* frame, const HeaderField& field, uint64_t value) const {
  for (uint32_t i = 0; i < field.size; ++i) {
    const uint32_t at = spec_.big_endian ? field.offset + field.size - 1 - i : field.offset + i;
    (*frame)[at] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
}

absl::StatusOr<std::optional<size_t>> FrameFormat::NextFrame(absl::string_view buffer) const {
  if (spec_.magic.present() && buffer.size() >= spec_.magic.offset + spec_.magic.size &&
      Read(buffer, spec_.magic) != spec_.magic_value) {
    return absl::DataLossError(absl::StrCat("wrong magic 0x", absl::Hex(Read(buffer, spec_.magic))));
  }
  if (buffer.size() < spec_.header_bytes) return std::optional<size_t>();
  const uint64_t length = Read(buffer, spec_.length);
  const uint64_t total =
      spec_.length_counts == FrameSpan::kPayload ? length + spec_.header_bytes : length;
  if (total < spec_.header_bytes || total > spec_.max_frame_bytes) {
    return absl::DataLossError(absl::StrCat("frame length ", total, " out of bounds [",
                                            spec_.header_bytes, ", ", spec_.max_frame_bytes, "]"));
  }
  if (buffer.size() < total) return std::optional<size_t>();
  return std::optional<size_t>(static_cast<size_t>(total));
}

std::optional<uint64_t> FrameFormat::TypeOf(absl::string_view frame) const {
  if (!spec_.type.present() || frame.size() < spec_.header_bytes) return std::nullopt;
  return Read(frame, spec_.type);
}

std::string FrameFormat::KindOf(absl::string_view frame) const {
  const std::optional<uint64_t> type = TypeOf(frame);
  if (!type.has_value()) return "";
  auto it = spec_.types.find(*type);
  return it == spec_.types.end() ? "" : it->second;
}

std::string FrameFormat::ChecksumBytes(absl::string_view frame) const {
  std::string covered;
  switch (spec_.checksum_covers) {
    case FrameSpan::kPayload:
      covered = std::string(frame.substr(spec_.header_bytes));
      break;
    case FrameSpan::kFrame:
      covered = std::string(frame);
      std::fill_n(covered.begin() + spec_.checksum.offset, spec_.checksum.size, '\0');
      break;
    case FrameSpan::kFrom:
      covered = std::string(frame.substr(spec_.checksum_from));
      if (spec_.checksum.offset >= spec_.checksum_from) {
        covered.erase(spec_.checksum.offset - spec_.checksum_from, spec_.checksum.size);
      }
      break;
  }
  std::string out(spec_.checksum.size, '\0');
  if (spec_.checksum_algorithm == ChecksumAlgorithm::kSha256d) {
    unsigned char once[SHA256_DIGEST_LENGTH], twice[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(covered.data()), covered.size(), once);
    SHA256(once, sizeof(once), twice);
    std::copy_n(twice, spec_.checksum.size, out.begin());
    return out;
  }
  const uint64_t value =
      spec_.checksum_algorithm == ChecksumAlgorithm::kCrc32
          ? crc32(0L, reinterpret_cast<const Bytef*>(covered.data()), static_cast<uInt>(covered.size()))
          : Crc32c(covered);
  // Written at offset 0 of a field-sized buffer, in the header's order.
  HeaderField at0{0, spec_.checksum.size};
  Write(&out, at0, value);
  return out;
}

bool FrameFormat::ChecksumValid(absl::string_view frame) const {
  if (!spec_.checksum.present() || frame.size() < spec_.header_bytes) return true;
  return frame.substr(spec_.checksum.offset, spec_.checksum.size) == ChecksumBytes(frame);
}

absl::Status FrameFormat::Reseal(std::string* frame) const {
  if (frame->size() < spec_.header_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("a frame of ", frame->size(),
                                                   " bytes is shorter than its header"));
  }
  const uint64_t length = spec_.length_counts == FrameSpan::kPayload
                              ? frame->size() - spec_.header_bytes
                              : frame->size();
  Write(frame, spec_.length, length);
  if (spec_.checksum.present()) {
    const std::string sum = ChecksumBytes(*frame);
    frame->replace(spec_.checksum.offset, sum.size(), sum);
  }
  return absl::OkStatus();
}

}  // namespace agent
}  // namespace turncoat
