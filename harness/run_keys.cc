#include "harness/run_keys.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/signing_key.h"
#include "common/subprocess.h"

namespace turncoat {
namespace {

namespace fs = std::filesystem;

constexpr absl::Duration kKeygenTimeout = absl::Seconds(30);

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trimmed(const std::string& text) { return std::string(absl::StripAsciiWhitespace(text)); }

// The texts of a pair whose files are written.
KeyBinding Binding(const PrivateKey& key, const KeySpec& spec, std::string private_file,
                   std::string public_file) {
  KeyBinding b;
  b.private_file = std::move(private_file);
  b.public_file = std::move(public_file);
  b.private_text = Trimmed(key.Encode(spec.private_encoding));
  b.public_text = Trimmed(key.public_key().Encode(spec.public_encoding));
  return b;
}

// Runs the target's keygen for one identity and reads its key back.
absl::StatusOr<KeyBinding> Generate(const TargetSpec& target, const std::string& role, int index,
                                    const std::string& id, const std::string& dir,
                                    const std::string& build_dir) {
  const KeygenSpec& gen = *target.keys.generate;
  const std::string work = absl::StrCat(dir, "/keygen/", role, "-", index);
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", work, ": ", ec.message()));
  TemplateValues values;
  values.variables = {{"dir", work},           {"id", id},
                      {"index", absl::StrCat(index)}, {"number", absl::StrCat(index + 1)},
                      {"role", role},          {"target_dir", target.dir},
                      {"build_dir", build_dir}};
  std::vector<std::string> argv;
  for (const Template& arg : gen.command) {
    auto rendered = arg.Render(values);
    if (!rendered.ok()) return rendered.status();
    argv.push_back(*std::move(rendered));
  }
  SpawnOptions options;
  options.workdir = work;
  options.stdout_path = absl::StrCat(work, "/stdout.log");
  options.stderr_path = absl::StrCat(work, "/stderr.log");
  const std::string where = absl::StrCat(target.path, ": keys.generate (", absl::StrJoin(argv, " "), ")");
  auto child = Subprocess::Spawn(argv, options);
  if (!child.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", child.status().message()));
  auto status = child->Wait(kKeygenTimeout);
  if (!status.ok()) {
    child->Kill().IgnoreError();
    return absl::InvalidArgumentError(absl::StrCat(where, ": did not finish within ",
                                                   absl::FormatDuration(kKeygenTimeout)));
  }
  if (!status->success()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", status->ToString(), "; stderr: ",
                                                   Trimmed(ReadAll(options.stderr_path))));
  }
  auto private_file = gen.private_file.Render(values);
  if (!private_file.ok()) return private_file.status();
  auto public_file = gen.public_file.Render(values);
  if (!public_file.ok()) return public_file.status();
  auto key = PrivateKey::LoadFile(*private_file, target.keys.scheme, target.keys.private_encoding);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": the private key it wrote does not read as keys.private says: ",
        key.status().message()));
  }
  auto pub = PublicKey::LoadFile(*public_file, target.keys.scheme, target.keys.public_encoding);
  if (!pub.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": the public key it wrote does not read as keys.public says: ", pub.status().message()));
  }
  if (*pub != key->public_key()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": the public key file is not the private key's public key"));
  }
  KeyBinding b;
  b.private_file = *private_file;
  b.public_file = *public_file;
  b.private_text = Trimmed(ReadAll(*private_file));
  b.public_text = Trimmed(ReadAll(*public_file));
  return b;
}

absl::StatusOr<KeyBinding> Make(const TargetSpec& target, const std::string& role, int index,
                                const std::string& id, const std::string& name,
                                const std::string& dir, const std::string& build_dir) {
  const KeySpec& spec = target.keys;
  const std::string private_file = absl::StrCat(dir, "/", name, ".key");
  const std::string public_file = absl::StrCat(dir, "/", name, ".pub");
  if (!spec.generate.has_value()) {
    auto key = PrivateKey::Generate(spec.scheme);
    if (!key.ok()) return key.status();
    if (absl::Status s = WriteKeyPair(*key, dir, name, spec.private_encoding, spec.public_encoding);
        !s.ok()) {
      return s;
    }
    return Binding(*key, spec, private_file, public_file);
  }
  auto generated = Generate(target, role, index, id, dir, build_dir);
  if (!generated.ok()) return generated.status();
  // turncoat signs with its own copy, in the target's encodings.
  auto key = PrivateKey::LoadFile(generated->private_file, spec.scheme, spec.private_encoding);
  if (!key.ok()) return key.status();
  if (absl::Status s = WriteKeyPair(*key, dir, name, spec.private_encoding, spec.public_encoding);
      !s.ok()) {
    return s;
  }
  return generated;
}

}  // namespace

absl::StatusOr<RunKeys> MakeRunKeys(const TargetSpec& target, int n, int clients,
                                    const std::string& dir, const std::string& build_dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  RunKeys keys;
  for (int i = 0; i < n; ++i) {
    auto id = ReplicaId(target, i);
    if (!id.ok()) return id.status();
    auto key = Make(target, "replica", i, *id, absl::StrCat(i), dir, build_dir);
    if (!key.ok()) return key.status();
    keys.replicas.push_back(*std::move(key));
  }
  for (int c = 0; c < clients; ++c) {
    auto id = ClientId(target, c);
    if (!id.ok()) return id.status();
    auto key = Make(target, "client", c, *id, absl::StrCat("client-", c), dir, build_dir);
    if (!key.ok()) return key.status();
    keys.clients.push_back(*std::move(key));
  }
  return keys;
}

}  // namespace turncoat
