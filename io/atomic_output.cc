#include "io/atomic_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>

#include "core/error.h"

namespace sbi::io {

namespace {

std::string random_suffix() {
  std::random_device device;
  std::ostringstream out;
  out << std::hex << device() << device();
  return out.str();
}

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
  throw core::Error("cannot write " + path + ": " + reason);
}

}  // namespace

AtomicOutput::AtomicOutput(std::string path) : path_(std::move(path)) {
  namespace fs = std::filesystem;
  if (path_.empty()) fail("\"\"", "empty path");
  std::error_code ec;
  const fs::path final_path(path_);
  const fs::path directory =
      final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
  const fs::file_status dir_status = fs::status(directory, ec);
  if (!fs::exists(dir_status)) fail(path_, "directory " + directory.string() + " does not exist");
  if (!fs::is_directory(dir_status)) fail(path_, directory.string() + " is not a directory");
  if (fs::is_directory(fs::status(final_path, ec))) fail(path_, "it is a directory");

  // Creating the temporary file is the one reliable writability test (permissions, read-only
  // mounts, quotas, ACLs) and reserves the unique name. O_EXCL: never reuse someone's file.
  for (int attempt = 0; attempt < 8; ++attempt) {
    temp_path_ = path_ + ".tmp." + std::to_string(::getpid()) + "." + random_suffix();
    const int fd = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      return;
    }
    if (errno != EEXIST) {
      const std::string reason = std::strerror(errno);
      temp_path_.clear();
      fail(path_, reason);
    }
  }
  temp_path_.clear();
  fail(path_, "cannot find an unused temporary name");
}

AtomicOutput::~AtomicOutput() {
  if (!committed_ && !temp_path_.empty()) std::remove(temp_path_.c_str());
}

void AtomicOutput::commit() {
  if (committed_) throw core::Error("AtomicOutput::commit: " + path_ + " is already committed");
  // fsync before rename, so a crash cannot leave an empty file under the final name.
  const int fd = ::open(temp_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path_, "temporary file " + temp_path_ + " is gone: " + std::strerror(errno));
  const int synced = ::fsync(fd);
  const int sync_errno = errno;
  ::close(fd);
  if (synced != 0) fail(path_, std::string("fsync failed: ") + std::strerror(sync_errno));
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    fail(path_, std::string("rename failed: ") + std::strerror(errno));
  }
  committed_ = true;
}

}  // namespace sbi::io
