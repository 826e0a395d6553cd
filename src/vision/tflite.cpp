#include "vision/tflite.hpp"

#include <flatbuffers/flatbuffers.h>

#include <fstream>
#include <limits>

#include "core/error.hpp"

namespace pv::vision::tflite {
namespace {

namespace fb = flatbuffers;

// Field ids from the public TFLite schema (schema.fbs); vtable offset = 4 + 2 * id.
constexpr fb::voffset_t field(int id) { return static_cast<fb::voffset_t>(4 + 2 * id); }

struct Malformed {
  std::string what;
};

// The verifier and the start of the buffer it checks.
struct Ctx {
  fb::Verifier& v;
  const std::uint8_t* buf;
};

// Verified access to one table: every field is bounds-checked before it is read.
class TableView {
 public:
  TableView(Ctx& c, const fb::Table* t, const char* what) : v_(c.v), buf_(c.buf), t_(t), what_(what) {
    if (!t_->VerifyTableStart(v_)) throw Malformed{std::string("bad ") + what + " table"};
    v_.EndTable();
  }
  template <class T>
  T scalar(int id, T def) const {
    if (!t_->VerifyField<T>(v_, field(id), sizeof(T))) throw Malformed{field_error(id)};
    return t_->GetField<T>(field(id), def);
  }
  bool has(int id) const { return t_->GetOptionalFieldOffset(field(id)) != 0; }
  template <class T>
  const fb::Vector<T>* vector(int id) const {
    if (!t_->VerifyOffset(v_, field(id))) throw Malformed{field_error(id)};
    auto* vec = t_->GetPointer<const fb::Vector<T>*>(field(id));
    if (!v_.VerifyVector(vec)) throw Malformed{field_error(id)};
    return vec;
  }
  std::string string(int id) const {
    if (!t_->VerifyOffset(v_, field(id))) throw Malformed{field_error(id)};
    auto* s = t_->GetPointer<const fb::String*>(field(id));
    if (!v_.VerifyString(s)) throw Malformed{field_error(id)};
    return s ? s->str() : std::string();
  }
  const fb::Table* table(int id) const {
    if (!t_->VerifyOffset(v_, field(id))) throw Malformed{field_error(id)};
    return t_->GetPointer<const fb::Table*>(field(id));
  }
  // Vector of tables: each element offset verified before it is followed.
  std::vector<const fb::Table*> tables(int id) const {
    auto* vec = vector<fb::Offset<fb::Table>>(id);
    std::vector<const fb::Table*> out;
    if (!vec) return out;
    const auto* base = reinterpret_cast<const std::uint8_t*>(vec->Data());
    for (fb::uoffset_t i = 0; i < vec->size(); ++i) {
      size_t pos = static_cast<size_t>(base - buf_) + i * sizeof(fb::uoffset_t);
      if (!v_.VerifyOffset(pos)) throw Malformed{field_error(id) + " element " + std::to_string(i)};
      out.push_back(vec->Get(i));
    }
    return out;
  }

 private:
  std::string field_error(int id) const { return std::string("bad field ") + std::to_string(id) + " of " + what_; }
  fb::Verifier& v_;
  const std::uint8_t* buf_;
  const fb::Table* t_;
  const char* what_;
};

std::vector<int> ints(const fb::Vector<std::int32_t>* v) {
  std::vector<int> out;
  if (v) out.assign(v->begin(), v->end());
  return out;
}

// Builtin options union type ids (BuiltinOptions in schema.fbs).
enum OptionsType : std::uint8_t {
  kConv2D = 1, kDepthwiseConv2D = 2, kPool2D = 5, kFullyConnected = 8, kConcatenation = 10, kAdd = 11,
  kResizeBilinear = 15, kReshape = 17, kMul = 21, kReducer = 27,
};

Options read_options(Ctx& v, const TableView& op) {
  Options o;
  auto type = op.scalar<std::uint8_t>(3, 0);
  const fb::Table* t = op.table(4);
  if (!t || type == 0) return o;
  TableView opt(v, t, "operator options");
  auto act = [&](int id) {
    auto a = opt.scalar<std::int8_t>(id, 0);
    if (a < 0 || a > 5) throw Malformed{"unknown fused activation " + std::to_string(a)};
    return static_cast<Activation>(a);
  };
  auto pad = [&](int id) {
    auto p = opt.scalar<std::int8_t>(id, 0);
    if (p != 0 && p != 1) throw Malformed{"unknown padding " + std::to_string(p)};
    return static_cast<Padding>(p);
  };
  switch (type) {
    case kConv2D:
      o.padding = pad(0);
      o.stride_w = opt.scalar<std::int32_t>(1, 0);
      o.stride_h = opt.scalar<std::int32_t>(2, 0);
      o.activation = act(3);
      o.dilation_w = opt.scalar<std::int32_t>(4, 1);
      o.dilation_h = opt.scalar<std::int32_t>(5, 1);
      break;
    case kDepthwiseConv2D:
      o.padding = pad(0);
      o.stride_w = opt.scalar<std::int32_t>(1, 0);
      o.stride_h = opt.scalar<std::int32_t>(2, 0);
      o.depth_multiplier = opt.scalar<std::int32_t>(3, 0);
      o.activation = act(4);
      o.dilation_w = opt.scalar<std::int32_t>(5, 1);
      o.dilation_h = opt.scalar<std::int32_t>(6, 1);
      break;
    case kPool2D:
      o.padding = pad(0);
      o.stride_w = opt.scalar<std::int32_t>(1, 0);
      o.stride_h = opt.scalar<std::int32_t>(2, 0);
      o.filter_w = opt.scalar<std::int32_t>(3, 0);
      o.filter_h = opt.scalar<std::int32_t>(4, 0);
      o.activation = act(5);
      break;
    case kFullyConnected:
      o.activation = act(0);
      o.keep_dims = opt.scalar<std::uint8_t>(2, 0) != 0;
      break;
    case kConcatenation:
      o.axis = opt.scalar<std::int32_t>(0, 0);
      o.activation = act(1);
      break;
    case kAdd:
    case kMul:
      o.activation = act(0);
      break;
    case kResizeBilinear:
      o.align_corners = opt.scalar<std::uint8_t>(2, 0) != 0;
      o.half_pixel_centers = opt.scalar<std::uint8_t>(3, 0) != 0;
      break;
    case kReshape:
      o.new_shape = ints(opt.vector<std::int32_t>(0));
      break;
    case kReducer:
      o.keep_dims = opt.scalar<std::uint8_t>(0, 0) != 0;
      break;
    default:
      break;  // options of operators the engine does not run are not needed
  }
  return o;
}

}  // namespace

size_t element_size(int type) {
  switch (type) {
    case 0: return 4;   // float32
    case 1: return 2;   // float16
    case 2: return 4;   // int32
    case 3: return 1;   // uint8
    case 4: return 8;   // int64
    case 9: return 1;   // int8
    default: return 0;
  }
}

const char* op_name(std::int32_t code) {
  switch (static_cast<Op>(code)) {
    case Op::Add: return "ADD";
    case Op::AveragePool2D: return "AVERAGE_POOL_2D";
    case Op::Concatenation: return "CONCATENATION";
    case Op::Conv2D: return "CONV_2D";
    case Op::DepthwiseConv2D: return "DEPTHWISE_CONV_2D";
    case Op::Dequantize: return "DEQUANTIZE";
    case Op::FullyConnected: return "FULLY_CONNECTED";
    case Op::Logistic: return "LOGISTIC";
    case Op::MaxPool2D: return "MAX_POOL_2D";
    case Op::Mul: return "MUL";
    case Op::Relu: return "RELU";
    case Op::Relu6: return "RELU6";
    case Op::Reshape: return "RESHAPE";
    case Op::ResizeBilinear: return "RESIZE_BILINEAR";
    case Op::Tanh: return "TANH";
    case Op::Pad: return "PAD";
    case Op::Mean: return "MEAN";
    case Op::Prelu: return "PRELU";
  }
  return "unsupported";
}

std::size_t Tensor::elements() const {
  std::size_t n = 1;
  for (int d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

Model parse(std::vector<std::uint8_t> bytes_in, const std::filesystem::path& name) {
  Model m;
  m.source = name;
  m.bytes = std::move(bytes_in);
  const std::uint8_t* buf = m.bytes.data();
  const size_t size = m.bytes.size();
  try {
    if (size < 8 || size >= std::numeric_limits<std::int32_t>::max())
      throw Malformed{"not a TFLite model (size " + std::to_string(size) + " bytes)"};
    if (!fb::BufferHasIdentifier(buf, "TFL3")) throw Malformed{"not a TFLite model (no TFL3 identifier)"};
    fb::Verifier verifier(buf, size, 64, 1000000, /*check_alignment=*/true);
    Ctx v{verifier, buf};
    if (!verifier.VerifyOffset(size_t{0})) throw Malformed{"bad root offset"};
    TableView model(v, fb::GetRoot<fb::Table>(buf), "model");
    if (auto ver = model.scalar<std::uint32_t>(0, 0); ver != 3)
      throw Malformed{"unsupported schema version " + std::to_string(ver)};
    m.description = model.string(3);

    // Operator codes: effective code = max(deprecated_builtin_code, builtin_code).
    std::vector<std::pair<std::int32_t, std::string>> codes;
    for (const auto* t : model.tables(1)) {
      TableView oc(v, t, "operator code");
      std::int32_t dep = oc.scalar<std::int8_t>(0, 0);
      std::int32_t code = oc.scalar<std::int32_t>(3, 0);
      codes.emplace_back(std::max(dep, code), oc.string(1));
    }
    // Buffers.
    std::vector<std::span<const std::uint8_t>> buffers;
    for (const auto* t : model.tables(4)) {
      TableView b(v, t, "buffer");
      if (b.scalar<std::uint64_t>(1, 0) != 0) throw Malformed{"external buffer offsets are not supported"};
      auto* data = b.vector<std::uint8_t>(0);
      buffers.push_back(data ? std::span<const std::uint8_t>(data->data(), data->size())
                             : std::span<const std::uint8_t>());
    }
    auto subgraphs = model.tables(2);
    if (subgraphs.empty()) throw Malformed{"no subgraph"};
    TableView sg(v, subgraphs[0], "subgraph");

    for (const auto* t : sg.tables(0)) {
      TableView tv(v, t, "tensor");
      Tensor ten;
      ten.shape = ints(tv.vector<std::int32_t>(0));
      ten.type = tv.scalar<std::int8_t>(1, 0);
      ten.name = tv.string(3);
      const std::string tname = "tensor " + std::to_string(m.tensors.size()) + " '" + ten.name + "'";
      if (ten.shape.size() > 6) throw Malformed{tname + ": rank " + std::to_string(ten.shape.size())};
      std::size_t n = 1;
      for (int d : ten.shape) {
        if (d < 0 || d > (1 << 24)) throw Malformed{tname + ": bad dimension " + std::to_string(d)};
        n *= static_cast<std::size_t>(d);
        if (n > (std::size_t{1} << 31)) throw Malformed{tname + ": too many elements"};
      }
      auto buffer = tv.scalar<std::uint32_t>(2, 0);
      if (buffer >= buffers.size()) throw Malformed{tname + ": buffer index " + std::to_string(buffer) + " out of range"};
      ten.data = buffers[buffer];
      if (!ten.data.empty()) {
        size_t es = element_size(ten.type);
        if (es == 0) throw Malformed{tname + ": unsupported constant type " + std::to_string(ten.type)};
        if (ten.data.size() != n * es)
          throw Malformed{tname + ": data has " + std::to_string(ten.data.size()) + " bytes, shape needs " +
                          std::to_string(n * es)};
      }
      m.tensors.push_back(std::move(ten));
    }
    const int nt = static_cast<int>(m.tensors.size());
    auto check_indices = [&](const std::vector<int>& idx, bool optional, const std::string& what) {
      for (int i : idx)
        if (i >= nt || i < (optional ? -1 : 0))
          throw Malformed{what + ": tensor index " + std::to_string(i) + " out of range"};
    };
    m.inputs = ints(sg.vector<std::int32_t>(1));
    m.outputs = ints(sg.vector<std::int32_t>(2));
    check_indices(m.inputs, false, "subgraph inputs");
    check_indices(m.outputs, false, "subgraph outputs");
    for (const auto* t : sg.tables(3)) {
      TableView ot(v, t, "operator");
      Operator op;
      auto ci = ot.scalar<std::uint32_t>(0, 0);
      const std::string oname = "operator " + std::to_string(m.operators.size());
      if (ci >= codes.size()) throw Malformed{oname + ": opcode index " + std::to_string(ci) + " out of range"};
      op.code = codes[ci].first;
      op.custom_code = codes[ci].second;
      op.inputs = ints(ot.vector<std::int32_t>(1));
      op.outputs = ints(ot.vector<std::int32_t>(2));
      check_indices(op.inputs, true, oname);
      check_indices(op.outputs, false, oname);
      op.options = read_options(v, ot);
      m.operators.push_back(std::move(op));
    }
  } catch (const Malformed& e) {
    throw InputError(name, "malformed TFLite model: " + e.what);
  }
  return m;
}

Model load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file, "cannot open model file");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError(file, "cannot read model file");
  return parse(std::move(bytes), file);
}

}  // namespace pv::vision::tflite
