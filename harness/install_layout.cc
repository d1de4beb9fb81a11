#include "harness/install_layout.h"

#include <filesystem>

namespace turncoat {

namespace fs = std::filesystem;

TurncoatLayout LayoutBeside(const std::string& binary_dir) {
  const fs::path dir(binary_dir);
  const fs::path parent = dir.parent_path();
  std::error_code ec;
  TurncoatLayout layout;
  if (fs::exists(dir / "turncoat-agent", ec)) {
    layout.agent = (dir / "turncoat-agent").string();
    layout.build_dir = (parent / "lib" / "turncoat").string();
    if (fs::is_directory(parent / "share" / "turncoat", ec)) {
      layout.data_dir = (parent / "share" / "turncoat").string();
    }
    return layout;
  }
  layout.build_dir = parent.string();
  layout.agent = (parent / "agents" / "turncoat-agent").string();
  return layout;
}

TurncoatLayout RunningLayout() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  // Unreadable only without /proc: assume a build tree run from its root.
  return LayoutBeside(ec ? std::string("./harness") : exe.parent_path().string());
}

}  // namespace turncoat
