#include "vision/engine.hpp"

#include <pthreadpool.h>
#include <xnnpack.h>

#include <cmath>
#include <exception>
#include <cstring>
#include <limits>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "core/error.hpp"

namespace pv::vision {

using tflite::Op;

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);           // zero / subnormal
  else if (exp == 31) v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else v = std::ldexp(static_cast<float>(mant | 0x400u), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

struct ThreadPool::Workers {
  std::mutex mu;
  std::condition_variable start, done;
  const std::function<void(size_t)>* fn = nullptr;
  size_t n = 0, stride = 1;
  unsigned generation = 0;
  int finished = 0;
  bool stop = false;
  std::exception_ptr error;
  std::vector<std::thread> threads;

  void run_items(size_t first) {
    for (size_t i = first; i < n; i += stride) {
      try {
        (*fn)(i);
      } catch (...) {
        std::lock_guard lk(mu);
        if (!error) error = std::current_exception();
      }
    }
  }
  void loop(size_t index) {
    unsigned seen = 0;
    for (;;) {
      {
        std::unique_lock lk(mu);
        start.wait(lk, [&] { return stop || generation != seen; });
        if (stop) return;
        seen = generation;
      }
      run_items(index);
      std::lock_guard lk(mu);
      ++finished;
      done.notify_all();
    }
  }
};

ThreadPool::ThreadPool(int threads) : threads_(std::max(threads, 1)) {
  if (threads_ > 1) {
    pool_ = pthreadpool_create(static_cast<size_t>(threads_));
    if (!pool_) throw Error("cannot create a thread pool of " + std::to_string(threads_) + " threads");
    workers_ = std::make_unique<Workers>();
    workers_->stride = static_cast<size_t>(threads_);
    for (int t = 1; t < threads_; ++t)
      workers_->threads.emplace_back([w = workers_.get(), t] { w->loop(static_cast<size_t>(t)); });
  }
}

void ThreadPool::parallel_for(size_t n, const std::function<void(size_t)>& fn) const {
  if (!workers_ || n < 2) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  Workers& w = *workers_;
  {
    std::lock_guard lk(w.mu);
    w.fn = &fn;
    w.n = n;
    w.finished = 0;
    w.error = nullptr;
    ++w.generation;
  }
  w.start.notify_all();
  w.run_items(0);
  std::unique_lock lk(w.mu);
  w.done.wait(lk, [&] { return w.finished == static_cast<int>(w.threads.size()); });
  if (w.error) std::rethrow_exception(w.error);
}

ThreadPool::~ThreadPool() {
  if (workers_) {
    {
      std::lock_guard lk(workers_->mu);
      workers_->stop = true;
    }
    workers_->start.notify_all();
    for (auto& t : workers_->threads) t.join();
  }
  if (pool_) pthreadpool_destroy(static_cast<pthreadpool_t>(pool_));
}

namespace {

void init_xnnpack() {
  static std::once_flag once;
  static xnn_status status = xnn_status_success;
  std::call_once(once, [] { status = xnn_initialize(nullptr); });
  if (status != xnn_status_success) throw Error("XNNPACK initialization failed (unsupported CPU?)");
}

size_t count(const std::vector<int>& shape) {
  size_t n = 1;
  for (int d : shape) n *= static_cast<size_t>(d);
  return n;
}

std::string shape_str(const std::vector<int>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ',';
    r += std::to_string(s[i]);
  }
  return r + "]";
}

struct Bad {
  std::string what;
};

}  // namespace

struct Engine::Impl {
  struct Step {
    xnn_runtime_t runtime = nullptr;  // XNNPACK segment, or
    std::vector<int> concat_inputs;   // a concatenation: copy each input into its slice
    int concat_output = -1;
    size_t outer = 0;
  };

  std::vector<std::vector<int>> shapes;                 // per tensor
  std::unordered_map<int, std::vector<float>> consts;   // fp32 constants (stable storage)
  std::vector<std::vector<float>> extra_consts;         // reshaped slopes, zero biases
  std::unordered_map<int, std::vector<float>> buffers;  // external activations
  std::vector<Step> steps;

  ~Impl() {
    for (auto& s : steps)
      if (s.runtime) xnn_delete_runtime(s.runtime);
  }
  float* buffer(int t) { return buffers.at(t).data(); }
};

namespace {

// Builds one XNNPACK subgraph for a run of operators.
class SegmentBuilder {
 public:
  SegmentBuilder(const tflite::Model& m, Engine::Impl& impl, const std::vector<int>& external)
      : m_(m), impl_(impl) {
    if (xnn_create_subgraph(static_cast<uint32_t>(external.size()), 0, &sg_) != xnn_status_success)
      throw Bad{"cannot create an XNNPACK subgraph"};
    for (size_t i = 0; i < external.size(); ++i) external_id_[external[i]] = static_cast<uint32_t>(i);
  }
  ~SegmentBuilder() {
    if (sg_) xnn_delete_subgraph(sg_);
  }
  void set_flags(int t, uint32_t flags) { flags_[t] |= flags; }

  uint32_t value(int t) {
    if (auto it = ids_.find(t); it != ids_.end()) return it->second;
    const auto& shape = impl_.shapes[static_cast<size_t>(t)];
    std::vector<size_t> dims(shape.begin(), shape.end());
    const void* data = nullptr;
    if (auto c = impl_.consts.find(t); c != impl_.consts.end()) data = c->second.data();
    else if (m_.tensor(t).type != 0)
      throw Bad{"tensor '" + m_.tensor(t).name + "' is not float32 (type " + std::to_string(m_.tensor(t).type) + ")"};
    uint32_t ext = XNN_INVALID_VALUE_ID, flags = 0;
    if (auto e = external_id_.find(t); e != external_id_.end() && !data) {
      ext = e->second;
      flags = flags_[t];
    }
    uint32_t id;
    if (xnn_define_tensor_value(sg_, xnn_datatype_fp32, dims.size(), dims.data(), data, ext, flags, &id) !=
        xnn_status_success)
      throw Bad{"cannot define tensor '" + m_.tensor(t).name + "'"};
    ids_[t] = id;
    return id;
  }
  // A static tensor with its own shape (e.g. a PReLU slope as 1-D, a zero bias).
  uint32_t static_value(std::vector<float> data, std::vector<size_t> dims) {
    impl_.extra_consts.push_back(std::move(data));
    uint32_t id;
    if (xnn_define_tensor_value(sg_, xnn_datatype_fp32, dims.size(), dims.data(), impl_.extra_consts.back().data(),
                                XNN_INVALID_VALUE_ID, 0, &id) != xnn_status_success)
      throw Bad{"cannot define a static tensor"};
    return id;
  }
  uint32_t internal_value(std::vector<size_t> dims) {
    uint32_t id;
    if (xnn_define_tensor_value(sg_, xnn_datatype_fp32, dims.size(), dims.data(), nullptr, XNN_INVALID_VALUE_ID, 0,
                                &id) != xnn_status_success)
      throw Bad{"cannot define a tensor"};
    return id;
  }
  xnn_subgraph_t subgraph() const { return sg_; }

 private:
  const tflite::Model& m_;
  Engine::Impl& impl_;
  xnn_subgraph_t sg_ = nullptr;
  std::unordered_map<int, uint32_t> external_id_, ids_, flags_;
};

std::pair<float, float> activation_range(tflite::Activation a) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  switch (a) {
    case tflite::Activation::None: return {-inf, inf};
    case tflite::Activation::Relu: return {0.f, inf};
    case tflite::Activation::ReluN1To1: return {-1.f, 1.f};
    case tflite::Activation::Relu6: return {0.f, 6.f};
    default: throw Bad{"unsupported fused activation"};
  }
}

// Output size and padding (before, after) of a windowed op along one axis.
int window_out(int in, int k, int stride, int dil, tflite::Padding p, uint32_t& lo, uint32_t& hi) {
  if (k < 1 || stride < 1 || dil < 1 || k > 4096 || stride > 4096 || dil > 4096) throw Bad{"bad kernel/stride/dilation"};
  const int eff = (k - 1) * dil + 1;
  if (p == tflite::Padding::Same) {
    const int out = (in + stride - 1) / stride;
    const int total = std::max((out - 1) * stride + eff - in, 0);
    lo = static_cast<uint32_t>(total / 2);
    hi = static_cast<uint32_t>(total - total / 2);
    return out;
  }
  lo = hi = 0;
  if (in < eff) throw Bad{"window larger than input"};
  return (in - eff) / stride + 1;
}

void check(bool ok, const std::string& what) {
  if (!ok) throw Bad{what};
}

std::vector<int> const_ints(const tflite::Model& m, int t) {
  check(t >= 0, "missing parameter tensor");
  const auto& ten = m.tensor(t);
  check(ten.type == 2 && !ten.data.empty(), "parameter tensor '" + ten.name + "' is not a constant int32");
  std::vector<int> v(ten.elements());
  std::memcpy(v.data(), ten.data.data(), v.size() * sizeof(int));
  return v;
}

void define_op(const tflite::Model& m, Engine::Impl& impl, SegmentBuilder& b, const tflite::Operator& op) {
  auto in_shape = [&](size_t i) -> const std::vector<int>& {
    check(i < op.inputs.size() && op.inputs[i] >= 0, "missing input " + std::to_string(i));
    return impl.shapes[static_cast<size_t>(op.inputs[i])];
  };
  check(!op.outputs.empty(), "no output");
  const int out_t = op.outputs[0];
  const auto& out = impl.shapes[static_cast<size_t>(out_t)];
  auto is_const = [&](size_t i) { return i < op.inputs.size() && op.inputs[i] >= 0 && impl.consts.count(op.inputs[i]); };
  const auto& o = op.options;
  xnn_status st = xnn_status_success;
  switch (static_cast<Op>(op.code)) {
    case Op::Conv2D:
    case Op::DepthwiseConv2D: {
      const bool dw = static_cast<Op>(op.code) == Op::DepthwiseConv2D;
      const auto& in = in_shape(0);
      const auto& f = in_shape(1);
      check(in.size() == 4 && f.size() == 4 && out.size() == 4, "conv tensors must be 4-D");
      check(is_const(1), "conv filter must be constant");
      uint32_t pt, pb, pl, pr;
      const int oh = window_out(in[1], f[1], o.stride_h, o.dilation_h, o.padding, pt, pb);
      const int ow = window_out(in[2], f[2], o.stride_w, o.dilation_w, o.padding, pl, pr);
      const int cout = dw ? f[3] : f[0];
      check(dw ? (f[0] == 1 && in[3] > 0 && cout % in[3] == 0) : f[3] == in[3], "conv filter/input channel mismatch");
      check(out == std::vector<int>{in[0], oh, ow, cout}, "conv output shape " + shape_str(out) + " expected " +
                                                            shape_str({in[0], oh, ow, cout}));
      uint32_t bias;
      if (is_const(2)) {
        check(count(in_shape(2)) == static_cast<size_t>(cout), "conv bias size");
        bias = b.value(op.inputs[2]);
      } else {
        check(op.inputs.size() < 3 || op.inputs[2] < 0, "conv bias must be constant");
        bias = b.static_value(std::vector<float>(static_cast<size_t>(cout), 0.f), {static_cast<size_t>(cout)});
      }
      auto [lo, hi] = activation_range(o.activation);
      if (dw)
        st = xnn_define_depthwise_convolution_2d(b.subgraph(), pt, pr, pb, pl, f[1], f[2], o.stride_h, o.stride_w,
                                                 o.dilation_h, o.dilation_w, cout / in[3], in[3], lo, hi,
                                                 b.value(op.inputs[0]), b.value(op.inputs[1]), bias, b.value(out_t), 0);
      else
        st = xnn_define_convolution_2d(b.subgraph(), pt, pr, pb, pl, f[1], f[2], o.stride_h, o.stride_w, o.dilation_h,
                                       o.dilation_w, 1, in[3], cout, lo, hi, b.value(op.inputs[0]),
                                       b.value(op.inputs[1]), bias, b.value(out_t), 0);
      break;
    }
    case Op::Add:
    case Op::Mul: {
      const auto& a = in_shape(0);
      const auto& c = in_shape(1);
      // numpy broadcasting, aligned at the last dimension
      const size_t r = std::max(a.size(), c.size());
      std::vector<int> expect(r);
      for (size_t i = 0; i < r; ++i) {
        int da = i < r - a.size() ? 1 : a[i - (r - a.size())];
        int dc = i < r - c.size() ? 1 : c[i - (r - c.size())];
        check(da == dc || da == 1 || dc == 1, "operands do not broadcast");
        expect[i] = std::max(da, dc);
      }
      check(out == expect, "elementwise output shape");
      auto [lo, hi] = activation_range(o.activation);
      st = static_cast<Op>(op.code) == Op::Add
               ? xnn_define_add2(b.subgraph(), lo, hi, b.value(op.inputs[0]), b.value(op.inputs[1]), b.value(out_t), 0)
               : xnn_define_multiply2(b.subgraph(), lo, hi, b.value(op.inputs[0]), b.value(op.inputs[1]),
                                      b.value(out_t), 0);
      break;
    }
    case Op::Prelu: {
      const auto& in = in_shape(0);
      check(in.size() == 4 && out == in, "PReLU shapes");
      check(is_const(1) && count(in_shape(1)) == static_cast<size_t>(in[3]), "PReLU slope must be constant, one per channel");
      const auto& slope = impl.consts.at(op.inputs[1]);
      st = xnn_define_prelu(b.subgraph(), b.value(op.inputs[0]), b.static_value(slope, {slope.size()}), b.value(out_t), 0);
      break;
    }
    case Op::MaxPool2D:
    case Op::AveragePool2D: {
      const auto& in = in_shape(0);
      check(in.size() == 4 && out.size() == 4, "pool tensors must be 4-D");
      uint32_t pt, pb, pl, pr;
      const int oh = window_out(in[1], o.filter_h, o.stride_h, 1, o.padding, pt, pb);
      const int ow = window_out(in[2], o.filter_w, o.stride_w, 1, o.padding, pl, pr);
      check(out == std::vector<int>{in[0], oh, ow, in[3]}, "pool output shape");
      check(o.filter_h * o.filter_w > 1, "1x1 pooling");
      auto [lo, hi] = activation_range(o.activation);
      if (static_cast<Op>(op.code) == Op::MaxPool2D)
        st = xnn_define_max_pooling_2d(b.subgraph(), pt, pr, pb, pl, o.filter_h, o.filter_w, o.stride_h, o.stride_w, 1,
                                       1, lo, hi, b.value(op.inputs[0]), b.value(out_t), 0);
      else
        st = xnn_define_average_pooling_2d(b.subgraph(), pt, pr, pb, pl, o.filter_h, o.filter_w, o.stride_h,
                                           o.stride_w, lo, hi, b.value(op.inputs[0]), b.value(out_t), 0);
      break;
    }
    case Op::Pad: {
      const auto& in = in_shape(0);
      auto p = const_ints(m, op.inputs.size() > 1 ? op.inputs[1] : -1);
      check(p.size() == 2 * in.size() && out.size() == in.size(), "PAD paddings shape");
      std::vector<size_t> pre(in.size()), post(in.size());
      for (size_t i = 0; i < in.size(); ++i) {
        check(p[2 * i] >= 0 && p[2 * i + 1] >= 0 && p[2 * i] < 4096 && p[2 * i + 1] < 4096, "negative padding");
        check(out[i] == in[i] + p[2 * i] + p[2 * i + 1], "PAD output shape");
        pre[i] = static_cast<size_t>(p[2 * i]);
        post[i] = static_cast<size_t>(p[2 * i + 1]);
      }
      st = xnn_define_static_constant_pad(b.subgraph(), pre.data(), post.data(), 0.f, b.value(op.inputs[0]),
                                          b.value(out_t), 0);
      break;
    }
    case Op::ResizeBilinear: {
      const auto& in = in_shape(0);
      auto size = const_ints(m, op.inputs.size() > 1 ? op.inputs[1] : -1);
      check(in.size() == 4 && size.size() == 2 && size[0] > 0 && size[1] > 0, "RESIZE_BILINEAR size");
      check(out == std::vector<int>{in[0], size[0], size[1], in[3]}, "RESIZE_BILINEAR output shape");
      check(!(o.align_corners && o.half_pixel_centers), "RESIZE_BILINEAR flags");
      const uint32_t flags = o.align_corners ? XNN_FLAG_ALIGN_CORNERS
                             : o.half_pixel_centers ? 0 : XNN_FLAG_TENSORFLOW_LEGACY_MODE;
      st = xnn_define_static_resize_bilinear_2d(b.subgraph(), size[0], size[1], b.value(op.inputs[0]),
                                                b.value(out_t), flags);
      break;
    }
    case Op::Reshape: {
      check(count(in_shape(0)) == count(out), "RESHAPE changes the element count");
      std::vector<size_t> dims(out.begin(), out.end());
      st = xnn_define_static_reshape(b.subgraph(), dims.size(), dims.data(), b.value(op.inputs[0]), b.value(out_t), 0);
      break;
    }
    case Op::Mean: {
      const auto& in = in_shape(0);
      auto axes = const_ints(m, op.inputs.size() > 1 ? op.inputs[1] : -1);
      check(in.size() == 4 && axes.size() == 2 && std::min(axes[0], axes[1]) == 1 && std::max(axes[0], axes[1]) == 2,
            "MEAN is supported over the spatial axes of a 4-D tensor only");
      check(count(out) == static_cast<size_t>(in[0] * in[3]), "MEAN output shape");
      const std::vector<size_t> pooled{static_cast<size_t>(in[0]), 1, 1, static_cast<size_t>(in[3])};
      constexpr float inf = std::numeric_limits<float>::infinity();
      if (out.size() == 4) {
        st = xnn_define_global_average_pooling_2d(b.subgraph(), -inf, inf, b.value(op.inputs[0]), b.value(out_t), 0);
      } else {
        uint32_t mid = b.internal_value(pooled);
        st = xnn_define_global_average_pooling_2d(b.subgraph(), -inf, inf, b.value(op.inputs[0]), mid, 0);
        if (st == xnn_status_success) {
          std::vector<size_t> dims(out.begin(), out.end());
          st = xnn_define_static_reshape(b.subgraph(), dims.size(), dims.data(), mid, b.value(out_t), 0);
        }
      }
      break;
    }
    case Op::FullyConnected: {
      const auto& in = in_shape(0);
      const auto& f = in_shape(1);
      check(is_const(1) && f.size() == 2 && f[1] > 0, "FULLY_CONNECTED filter must be a constant 2-D tensor");
      check(count(in) % static_cast<size_t>(f[1]) == 0, "FULLY_CONNECTED input size");
      const size_t rows = count(in) / static_cast<size_t>(f[1]);
      check(out.size() == 2 && out[0] == static_cast<int>(rows) && out[1] == f[0], "FULLY_CONNECTED output shape");
      uint32_t bias = XNN_INVALID_VALUE_ID;
      if (is_const(2)) {
        check(count(in_shape(2)) == static_cast<size_t>(f[0]), "FULLY_CONNECTED bias size");
        bias = b.value(op.inputs[2]);
      }
      auto [lo, hi] = activation_range(o.activation);
      const uint32_t flags = in.size() == 2 ? 0 : XNN_FLAG_TENSORFLOW_RESHAPE_2D;
      st = xnn_define_fully_connected(b.subgraph(), lo, hi, b.value(op.inputs[0]), b.value(op.inputs[1]), bias,
                                      b.value(out_t), flags);
      break;
    }
    case Op::Logistic:
      check(in_shape(0) == out, "LOGISTIC shape");
      st = xnn_define_sigmoid(b.subgraph(), b.value(op.inputs[0]), b.value(out_t), 0);
      break;
    case Op::Relu:
    case Op::Relu6:
      check(in_shape(0) == out, "RELU shape");
      st = xnn_define_clamp(b.subgraph(), 0.f,
                            static_cast<Op>(op.code) == Op::Relu6 ? 6.f : std::numeric_limits<float>::infinity(),
                            b.value(op.inputs[0]), b.value(out_t), 0);
      break;
    default:
      throw Bad{std::string("unsupported operator ") + tflite::op_name(op.code) + " (code " + std::to_string(op.code) +
                (op.custom_code.empty() ? "" : ", custom '" + op.custom_code + "'") + ")"};
  }
  if (st != xnn_status_success) throw Bad{"XNNPACK rejected the operator (status " + std::to_string(st) + ")"};
}

}  // namespace

Engine::Engine(const tflite::Model& m, const ThreadPool* pool, int batch)
    : impl_(std::make_unique<Impl>()), batch_(batch) {
  init_xnnpack();
  auto& im = *impl_;
  const int nt = static_cast<int>(m.tensors.size());
  for (const auto& t : m.tensors) im.shapes.push_back(t.shape);
  size_t op_index = 0;
  try {
    // Constants: fp32 copied, fp16 converted.
    for (int i = 0; i < nt; ++i) {
      const auto& t = m.tensors[static_cast<size_t>(i)];
      if (t.data.empty()) continue;
      std::vector<float> v(t.elements());
      if (t.type == 0) std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
      else if (t.type == 1)
        for (size_t k = 0; k < v.size(); ++k) {
          std::uint16_t h;
          std::memcpy(&h, t.data.data() + 2 * k, 2);
          v[k] = half_to_float(h);
        }
      else continue;  // int32 parameters are read where used
      im.consts.emplace(i, std::move(v));
    }
    // DEQUANTIZE of a constant folds at load; CONCATENATION splits segments.
    std::vector<std::vector<size_t>> steps_ops;
    std::vector<bool> steps_concat;
    for (op_index = 0; op_index < m.operators.size(); ++op_index) {
      const auto& op = m.operators[op_index];
      if (static_cast<Op>(op.code) == Op::Dequantize) {
        check(op.inputs.size() == 1 && op.outputs.size() == 1 && op.inputs[0] >= 0, "DEQUANTIZE arity");
        auto c = im.consts.find(op.inputs[0]);
        check(c != im.consts.end() && m.tensor(op.inputs[0]).type == 1,
              "DEQUANTIZE is supported only for constant fp16 weights");
        check(!im.consts.count(op.outputs[0]), "output tensor written twice");
        check(count(im.shapes[static_cast<size_t>(op.outputs[0])]) == c->second.size(), "DEQUANTIZE shape");
        std::vector<float> copy = c->second;
        im.consts[op.outputs[0]] = std::move(copy);
        continue;
      }
      const bool concat = static_cast<Op>(op.code) == Op::Concatenation;
      if (concat || steps_ops.empty() || steps_concat.back()) {
        steps_ops.emplace_back();
        steps_concat.push_back(concat);
      }
      steps_ops.back().push_back(op_index);
    }
    // Batching: activations (float tensors that are neither constants nor parameters) carry the batch in
    // their leading dimension, which must be 1 in the model.
    op_index = m.operators.size();
    check(batch >= 1 && batch <= 64, "batch size " + std::to_string(batch) + " out of range 1..64");
    if (batch > 1)
      for (int i = 0; i < nt; ++i) {
        const auto& t = m.tensors[static_cast<size_t>(i)];
        if (!t.data.empty() || im.consts.count(i) || t.type != 0) continue;
        auto& shape = im.shapes[static_cast<size_t>(i)];
        check(!shape.empty() && shape[0] == 1, "tensor '" + t.name + "' of shape " + shape_str(shape) +
                                                   " has no leading batch dimension of 1; the model cannot be batched");
        shape[0] = batch;
      }
    // Find the tensors that cross steps (external values).
    std::vector<int> step_of_tensor(static_cast<size_t>(nt), -1);  // producer step, -1 = model input/const
    std::vector<std::vector<int>> consumers(static_cast<size_t>(nt));
    for (size_t s = 0; s < steps_ops.size(); ++s)
      for (size_t oi : steps_ops[s]) {
        op_index = oi;
        for (int i : m.operators[oi].inputs)
          if (i >= 0) {
            check(step_of_tensor[static_cast<size_t>(i)] >= 0 || im.consts.count(i) || m.tensor(i).type == 2 ||
                      std::find(m.inputs.begin(), m.inputs.end(), i) != m.inputs.end(),
                  "input tensor '" + m.tensor(i).name + "' is used before it is computed");
            consumers[static_cast<size_t>(i)].push_back(static_cast<int>(s));
          }
        for (int o : m.operators[oi].outputs) {
          check(!im.consts.count(o) && step_of_tensor[static_cast<size_t>(o)] < 0 &&
                    std::find(m.inputs.begin(), m.inputs.end(), o) == m.inputs.end(),
                "output tensor written twice");
          step_of_tensor[static_cast<size_t>(o)] = static_cast<int>(s);
        }
      }
    op_index = m.operators.size();
    std::vector<bool> external(static_cast<size_t>(nt), false);
    for (int i : m.inputs) external[static_cast<size_t>(i)] = true;
    for (int o : m.outputs) {
      check(!im.consts.count(o), "model output is a constant");
      external[static_cast<size_t>(o)] = true;
    }
    for (int t = 0; t < nt; ++t) {
      if (im.consts.count(t) || !m.tensor(t).data.empty()) continue;  // constants and int32 parameters
      for (int c : consumers[static_cast<size_t>(t)])
        if (c != step_of_tensor[static_cast<size_t>(t)] || steps_concat[static_cast<size_t>(c)])
          external[static_cast<size_t>(t)] = true;
      if (step_of_tensor[static_cast<size_t>(t)] >= 0 && steps_concat[static_cast<size_t>(step_of_tensor[static_cast<size_t>(t)])])
        external[static_cast<size_t>(t)] = true;
    }
    for (int t = 0; t < nt; ++t)
      if (external[static_cast<size_t>(t)]) {
        check(m.tensor(t).type == 0, "tensor '" + m.tensor(t).name + "' is not float32");
        im.buffers[t].assign(count(im.shapes[static_cast<size_t>(t)]) + XNN_EXTRA_BYTES / sizeof(float), 0.f);
      }
    for (int i : m.inputs) inputs_.push_back(i);
    for (int o : m.outputs) outputs_.push_back(o);

    // Build the steps.
    for (size_t s = 0; s < steps_ops.size(); ++s) {
      Impl::Step step;
      if (steps_concat[s]) {
        op_index = steps_ops[s][0];
        const auto& op = m.operators[op_index];
        check(op.outputs.size() == 1 && !op.inputs.empty(), "CONCATENATION arity");
        check(op.options.activation == tflite::Activation::None, "CONCATENATION with a fused activation");
        const auto& out = im.shapes[static_cast<size_t>(op.outputs[0])];
        const int rank = static_cast<int>(out.size());
        int axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
        check(axis >= 0 && axis < rank, "CONCATENATION axis");
        check(batch == 1 || axis > 0, "CONCATENATION along the batch axis of a batched model");
        int sum = 0;
        for (int i : op.inputs) {
          check(i >= 0 && !im.consts.count(i), "CONCATENATION of constants");
          const auto& sh = im.shapes[static_cast<size_t>(i)];
          check(static_cast<int>(sh.size()) == rank, "CONCATENATION rank");
          for (int d = 0; d < rank; ++d)
            if (d != axis) check(sh[static_cast<size_t>(d)] == out[static_cast<size_t>(d)], "CONCATENATION shapes");
          sum += sh[static_cast<size_t>(axis)];
        }
        check(sum == out[static_cast<size_t>(axis)], "CONCATENATION output size");
        step.concat_inputs = op.inputs;
        step.concat_output = op.outputs[0];
        step.outer = 1;
        for (int d = 0; d < axis; ++d) step.outer *= static_cast<size_t>(out[static_cast<size_t>(d)]);
        im.steps.push_back(std::move(step));
        continue;
      }
      // External values of this segment: crossing tensors it reads or writes.
      std::vector<int> ext;
      std::vector<bool> seen(static_cast<size_t>(nt), false);
      for (size_t oi : steps_ops[s]) {
        const auto& op = m.operators[oi];
        for (int i : op.inputs)
          if (i >= 0 && external[static_cast<size_t>(i)] && !seen[static_cast<size_t>(i)]) seen[static_cast<size_t>(i)] = true, ext.push_back(i);
        for (int o : op.outputs)
          if (external[static_cast<size_t>(o)] && !seen[static_cast<size_t>(o)]) seen[static_cast<size_t>(o)] = true, ext.push_back(o);
      }
      SegmentBuilder b(m, im, ext);
      for (int t : ext)
        b.set_flags(t, step_of_tensor[static_cast<size_t>(t)] == static_cast<int>(s) ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT
                                                                                    : XNN_VALUE_FLAG_EXTERNAL_INPUT);
      for (size_t oi : steps_ops[s]) {
        op_index = oi;
        define_op(m, im, b, m.operators[oi]);
      }
      op_index = m.operators.size();
      pthreadpool_t tp = pool ? static_cast<pthreadpool_t>(pool->handle()) : nullptr;
      if (xnn_create_runtime_v2(b.subgraph(), tp, tp ? XNN_FLAG_YIELD_WORKERS : 0, &step.runtime) != xnn_status_success)
        throw Bad{"XNNPACK could not create a runtime for the model"};
      std::vector<xnn_external_value> vals;
      for (size_t k = 0; k < ext.size(); ++k) vals.push_back({static_cast<uint32_t>(k), im.buffer(ext[k])});
      im.steps.push_back(std::move(step));
      if (xnn_setup_runtime(im.steps.back().runtime, vals.size(), vals.data()) != xnn_status_success)
        throw Bad{"XNNPACK could not set up the runtime"};
    }
  } catch (const Bad& e) {
    std::string where;
    if (op_index < m.operators.size())
      where = "operator " + std::to_string(op_index) + " (" + tflite::op_name(m.operators[op_index].code) + "): ";
    throw InputError(m.source, where + e.what);
  }
}

Engine::~Engine() = default;

float* Engine::input(size_t i) { return impl_->buffer(inputs_.at(i)); }
const float* Engine::output(size_t i) const { return impl_->buffers.at(outputs_.at(i)).data(); }
const std::vector<int>& Engine::input_shape(size_t i) const { return impl_->shapes[static_cast<size_t>(inputs_.at(i))]; }
const std::vector<int>& Engine::output_shape(size_t i) const {
  return impl_->shapes[static_cast<size_t>(outputs_.at(i))];
}

void Engine::run() {
  for (auto& s : impl_->steps) {
    if (s.runtime) {
      if (xnn_invoke_runtime(s.runtime) != xnn_status_success) throw Error("XNNPACK inference failed");
      continue;
    }
    // Concatenation: for each outer index, append each input's contiguous block.
    float* dst = impl_->buffer(s.concat_output);
    std::vector<std::pair<const float*, size_t>> src;
    for (int i : s.concat_inputs)
      src.emplace_back(impl_->buffer(i), count(impl_->shapes[static_cast<size_t>(i)]) / s.outer);
    for (size_t o = 0; o < s.outer; ++o)
      for (auto& [p, n] : src) {
        std::memcpy(dst, p + o * n, n * sizeof(float));
        dst += n;
      }
  }
}

}  // namespace pv::vision
