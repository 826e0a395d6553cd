#pragma once
// Runs a TFLite float model on XNNPACK: the model's operators become XNNPACK subgraph nodes (one subgraph per
// run of supported operators); CONCATENATION, which this XNNPACK lacks, writes each input into its slice of
// the output between subgraphs. fp16 weights (DEQUANTIZE of constants) are converted to fp32 at load.
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "vision/tflite.hpp"

namespace pv::vision {

// A pthreadpool shared by engines; threads <= 1 runs on the caller's thread.
class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  void* handle() const { return pool_; }  // pthreadpool_t
  int threads() const { return threads_; }
  // Runs fn(0..n-1) on the pool's threads (item i on thread i % threads, the caller being thread 0; inline when
  // single-threaded); rethrows the first exception. Waiting threads block (no spinning: the cores are shared
  // with the video decoder).
  void parallel_for(size_t n, const std::function<void(size_t)>& fn) const;

 private:
  struct Workers;
  void* pool_ = nullptr;  // pthreadpool for XNNPACK runtimes
  std::unique_ptr<Workers> workers_;  // parallel_for
  int threads_ = 1;
};

class Engine {
 public:
  // Constants are copied; the model may be destroyed afterwards. Throws pv::InputError for unsupported
  // operators or inconsistent shapes (naming the model file and the operator).
  // batch > 1 runs `batch` inputs at once: every activation tensor's leading dimension (1 in the model) becomes
  // `batch`, so input(i) and output(i) hold `batch` consecutive items of the model's size.
  Engine(const tflite::Model& model, const ThreadPool* pool = nullptr, int batch = 1);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  int batch() const { return batch_; }
  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  float* input(size_t i);
  const float* output(size_t i) const;
  const std::vector<int>& input_shape(size_t i) const;
  const std::vector<int>& output_shape(size_t i) const;
  void run();

  struct Impl;  // defined in engine.cpp

 private:
  std::unique_ptr<Impl> impl_;
  std::vector<int> inputs_, outputs_;
  int batch_ = 1;
};

// IEEE half -> float.
float half_to_float(std::uint16_t h);

}  // namespace pv::vision
