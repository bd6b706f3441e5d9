#include "apps/simulation_chunks.h"

#include <filesystem>

#include "apps/progress_reporter.h"
#include "core/error.h"
#include "io/h5_file.h"
#include "io/output_files.h"

namespace sbi::app {
namespace fs = std::filesystem;

namespace {

std::string chunk_path(const ChunkedRun& run, long first) {
  return run.dir + "/chunk_" + std::to_string(first) + ".h5";
}

// The chunk at `first` if a valid one of this run exists; false if there is none.
bool read_chunk(const ChunkedRun& run, long first, long count, Eigen::MatrixXd* theta, Eigen::MatrixXd* x) {
  const std::string path = chunk_path(run, first);
  if (!fs::exists(path)) return false;
  io::H5File f = io::H5File::open_read(path);
  core::check(f.has_attr("/", "fingerprint") && f.get_string_attr("/", "fingerprint") == run.fingerprint,
              path + " is a chunk of another run (other task, settings, seed or --num): remove " + run.dir +
                  " to start afresh, or resume with the settings of that run");
  core::check(f.get_int_attr("/", "first") == first && f.get_int_attr("/", "count") == count,
              path + ": its first sample and count are not this chunk's (damaged chunk: remove it)");
  *theta = f.read_matrix("/theta", run.theta_dim, io::NanPolicy::kReject);
  *x = f.read_matrix("/x", run.x_dim, io::NanPolicy::kAllow);
  core::check(theta->cols() == count && x->cols() == count, path + ": not " + std::to_string(count) +
                                                                " samples (damaged chunk: remove it)");
  return true;
}

}  // namespace

simulators::SimulationBatch run_in_chunks(const ChunkedRun& run, bool resume, const ProcessGroup& group,
                                          const std::function<simulators::SimulationBatch(long, long)>& simulate,
                                          const std::function<void(long, long)>& progress) {
  core::check(run.chunk >= 1 && run.n >= 1, "run_in_chunks: n and the chunk size must be >= 1");
  // Every rank checks the folder before any rank writes to it.
  run_collectively(group, [&] {
    std::error_code ec;
    if (!resume && fs::exists(run.dir) && !fs::is_empty(run.dir, ec))
      throw core::Error(run.dir + " holds the chunks of an unfinished run: --resume continues it (same "
                        "settings), or remove the folder to start afresh");
    fs::create_directories(run.dir, ec);
    core::check(!ec && fs::is_directory(run.dir), "cannot create " + run.dir + ": " + ec.message());
  });
  const auto is_mine = [&](long first) { return (first / run.chunk) % group.size() == group.rank(); };
  simulators::SimulationBatch all;
  if (group.is_root()) {
    all.theta.resize(run.theta_dim, run.n);
    all.x.resize(run.x_dim, run.n);
  }
  long reused = 0, done = 0;
  run_collectively(group, [&] {
    for (long first = 0; first < run.n; first += run.chunk) {
      if (!is_mine(first)) continue;
      const long count = std::min(run.chunk, run.n - first);
      Eigen::MatrixXd theta, x;
      if (resume && read_chunk(run, first, count, &theta, &x)) {
        reused += count;
      } else {
        simulators::SimulationBatch b = simulate(first, count);
        io::write_hdf5_file(chunk_path(run, first), [&](io::H5File& f) {
          f.set_attr("/", "fingerprint", run.fingerprint);
          f.set_attr("/", "first", static_cast<std::int64_t>(first));
          f.set_attr("/", "count", static_cast<std::int64_t>(count));
          f.write_matrix("/theta", b.theta);
          f.write_matrix("/x", b.x);
        }, run.inputs);
        all.seconds += b.seconds;
        theta = std::move(b.theta);
        x = std::move(b.x);
      }
      if (group.is_root()) {
        all.theta.middleCols(first, count) = theta;
        all.x.middleCols(first, count) = x;
      }
      done += count;
      // Rank 0 sees its own share; the others progress alike.
      if (progress) progress(std::min(run.n, done * group.size()), run.n);
    }
  });
  if (!group.is_root()) return {};
  for (long first = 0; first < run.n; first += run.chunk) {  // the other ranks' chunks
    if (is_mine(first)) continue;
    const long count = std::min(run.chunk, run.n - first);
    Eigen::MatrixXd theta, x;
    core::check(read_chunk(run, first, count, &theta, &x),
                chunk_path(run, first) + " is missing although its rank finished (is " + run.dir +
                    " on a file system that every rank sees?)");
    all.theta.middleCols(first, count) = theta;
    all.x.middleCols(first, count) = x;
  }
  if (reused > 0)
    log_line("resumed: %ld of %ld simulations read back from the chunks in %s", reused, run.n, run.dir.c_str());
  return all;
}

void remove_chunks(const ChunkedRun& run) {
  std::error_code ec;
  fs::remove_all(run.dir, ec);
}

}  // namespace sbi::app
