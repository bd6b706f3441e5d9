#include "nn/detail/winograd.h"

#include <algorithm>

namespace sbi::nn::detail {
namespace {

// G g on a column of 3: (g0, (g0 + g1 + g2)/2, (g0 - g1 + g2)/2, g2).
template <class T>
inline void g3(const T* g, int s, T* out, int os) {
  out[0] = g[0];
  out[os] = T(0.5) * (g[0] + g[s] + g[2 * s]);
  out[2 * os] = T(0.5) * (g[0] - g[s] + g[2 * s]);
  out[3 * os] = g[2 * s];
}

// Gᵀ u, the adjoint of G: (u0 + (u1 + u2)/2, (u1 - u2)/2, (u1 + u2)/2 + u3).
template <class T>
inline void gt4(const T* u, int s, T* out, int os) {
  out[0] = u[0] + T(0.5) * (u[s] + u[2 * s]);
  out[os] = T(0.5) * (u[s] - u[2 * s]);
  out[2 * os] = T(0.5) * (u[s] + u[2 * s]) + u[3 * s];
}

}  // namespace

WinogradGeometry::WinogradGeometry(const ImageShape& in_, const ImageShape& out_, int padding_)
    : in(in_), out(out_), padding(padding_), tiles_h((out_.height + 1) / 2), tiles_w((out_.width + 1) / 2) {}

template <class T>
void filter_transform(const MatrixOf<T>& weight, int in_channels, MatrixOf<T>* u) {
  const Eigen::Index c_out = weight.rows();
  u->resize(c_out, 16 * in_channels);
  for (Eigen::Index o = 0; o < c_out; ++o)
    for (int c = 0; c < in_channels; ++c) {
      T g[9], t[12], r[16];  // g row-major 3 x 3; t = G g (4 x 3); r = t Gᵀ (4 x 4)
      for (int i = 0; i < 9; ++i) g[i] = weight(o, c * 9 + i);
      for (int v = 0; v < 3; ++v) g3(g + v, 3, t + v, 3);
      for (int a = 0; a < 4; ++a) g3(t + 3 * a, 1, r + 4 * a, 1);
      for (int xi = 0; xi < 16; ++xi) (*u)(o, xi * in_channels + c) = r[xi];
    }
}

template <class T>
void filter_transform_adjoint(const MatrixOf<T>& du, int in_channels, MatrixOf<T>* grad_weight) {
  for (Eigen::Index o = 0; o < du.rows(); ++o)
    for (int c = 0; c < in_channels; ++c) {
      T r[16], t[12], g[9];  // r = dU (4 x 4); t = r G (4 x 3); g = Gᵀ t (3 x 3)
      for (int xi = 0; xi < 16; ++xi) r[xi] = du(o, xi * in_channels + c);
      for (int a = 0; a < 4; ++a) gt4(r + 4 * a, 1, t + 3 * a, 1);
      for (int v = 0; v < 3; ++v) gt4(t + v, 3, g + v, 3);
      for (int i = 0; i < 9; ++i) (*grad_weight)(o, c * 9 + i) += g[i];
    }
}

// The transforms run over a row of tiles at a time, kBlock tiles at once, with the tile
// index innermost: loads and stores of one entry ξ for consecutive tiles are contiguous in
// V and M (written tile by tile instead, the 16 entries of a tile lie C T doubles apart, a
// multiple of 4 KiB for the default layers, and thrash one cache set: 3-10x slower).
constexpr int kBlock = 32;

// The zero-padded plane P ((2 tiles_h + 2) x (2 tiles_w + 2), the image at offset
// (padding, padding)) is kept as its even and odd columns, E[r][q] = P[r][2q] and
// O[r][q] = P[r][2q + 1], each (2 tiles_h + 2) x (tiles_w + 1): column s of tile (ti, tj) is
// then column tj + s / 2 of E (s even) or O (s odd), contiguous over consecutive tiles.
template <class T>
struct SplitPlane {
  T* even;
  T* odd;
  int half;  // tiles_w + 1 entries per row

  SplitPlane(const WinogradGeometry& g, MatrixOf<T>* storage) : half(g.tiles_w + 1) {
    storage->resize(2 * static_cast<Eigen::Index>(g.padded_h()) * half, 1);
    even = storage->data();
    odd = even + static_cast<Eigen::Index>(g.padded_h()) * half;
  }
  // Column s of the tiles from tj0 on, padded row r.
  T* column(int s, int r, int tj0) const { return (s & 1 ? odd : even) + r * half + s / 2 + tj0; }
};

// Image row <-> padded row `pr`: pixel x sits at padded column q = x + padding, in E when
// q is even and in O when it is odd, at q / 2.
template <class T>
void scatter_row(const T* row, int w, int padding, const SplitPlane<T>& sp, int pr) {
  for (int first = 0; first < 2; ++first) {  // pixels first, first + 2, ...
    const int q = first + padding;
    T* dst = (q & 1 ? sp.odd : sp.even) + pr * sp.half + q / 2;
    for (int k = 0; first + 2 * k < w; ++k) dst[k] = row[first + 2 * k];
  }
}

template <class T>
void gather_row(const SplitPlane<T>& sp, int pr, int padding, int w, T* row) {
  for (int first = 0; first < 2; ++first) {
    const int q = first + padding;
    const T* src = (q & 1 ? sp.odd : sp.even) + pr * sp.half + q / 2;
    for (int k = 0; first + 2 * k < w; ++k) row[first + 2 * k] = src[k];
  }
}

template <class T>
void input_transform(const WinogradGeometry& g, const T* image, MatrixOf<T>* v, MatrixOf<T>* padded) {
  const int c_in = g.in.channels, h = g.in.height, w = g.in.width, p = g.padding;
  const Eigen::Index tiles = g.tiles(), block = static_cast<Eigen::Index>(c_in) * tiles;
  v->resize(tiles, 16 * c_in);
  const SplitPlane<T> sp(g, padded);
  padded->setZero();  // the border stays zero: channels only overwrite the image's pixels
  for (int c = 0; c < c_in; ++c) {
    const T* plane = image + c * g.in.pixels();
    for (int r = 0; r < h; ++r) scatter_row(plane + r * w, w, p, sp, r + p);
    T* out = v->data() + static_cast<Eigen::Index>(c) * tiles;  // entry ξ of tile t: out[ξ block + t]
    for (int ti = 0; ti < g.tiles_h; ++ti)
      for (int tj0 = 0; tj0 < g.tiles_w; tj0 += kBlock) {
        const int n = std::min(kBlock, g.tiles_w - tj0);
        T t[16][kBlock];  // t = Bᵀ d: entry (a, s) of each tile
        for (int s = 0; s < 4; ++s) {
          const T* d0 = sp.column(s, 2 * ti, tj0);
          const T *d1 = d0 + sp.half, *d2 = d1 + sp.half, *d3 = d2 + sp.half;
          for (int j = 0; j < n; ++j) {
            t[s][j] = d0[j] - d2[j];
            t[4 + s][j] = d1[j] + d2[j];
            t[8 + s][j] = d2[j] - d1[j];
            t[12 + s][j] = d1[j] - d3[j];
          }
        }
        T* dst = out + static_cast<Eigen::Index>(ti) * g.tiles_w + tj0;
        for (int a = 0; a < 4; ++a) {  // x = t B, written entry by entry
          const T *t0 = t[4 * a], *t1 = t[4 * a + 1], *t2 = t[4 * a + 2], *t3 = t[4 * a + 3];
          T* x0 = dst + (4 * a) * block;
          T* x1 = x0 + block;
          T* x2 = x1 + block;
          T* x3 = x2 + block;
          for (int j = 0; j < n; ++j) {
            x0[j] = t0[j] - t2[j];
            x1[j] = t1[j] + t2[j];
            x2[j] = t2[j] - t1[j];
            x3[j] = t1[j] - t3[j];
          }
        }
      }
  }
}

template <class T>
void input_transform_adjoint(const WinogradGeometry& g, const MatrixOf<T>& dv, T* grad_image,
                             MatrixOf<T>* padded) {
  const int c_in = g.in.channels, h = g.in.height, w = g.in.width, p = g.padding;
  const Eigen::Index tiles = g.tiles(), block = static_cast<Eigen::Index>(c_in) * tiles;
  const SplitPlane<T> sp(g, padded);
  for (int c = 0; c < c_in; ++c) {
    padded->setZero();
    const T* in = dv.data() + static_cast<Eigen::Index>(c) * tiles;
    for (int ti = 0; ti < g.tiles_h; ++ti)
      for (int tj0 = 0; tj0 < g.tiles_w; tj0 += kBlock) {
        const int n = std::min(kBlock, g.tiles_w - tj0);
        const T* src = in + static_cast<Eigen::Index>(ti) * g.tiles_w + tj0;
        T t[16][kBlock];  // t = x Bᵀ: entry (a, s) of each tile
        for (int a = 0; a < 4; ++a) {
          const T* x0 = src + (4 * a) * block;
          const T* x1 = x0 + block;
          const T* x2 = x1 + block;
          const T* x3 = x2 + block;
          for (int j = 0; j < n; ++j) {
            t[4 * a][j] = x0[j];
            t[4 * a + 1][j] = x1[j] - x2[j] + x3[j];
            t[4 * a + 2][j] = x1[j] + x2[j] - x0[j];
            t[4 * a + 3][j] = -x3[j];
          }
        }
        // d = B t, added where the tile came from; for a fixed column s the tiles touch
        // distinct pixels, and neighbouring tiles overlap only across different s.
        for (int s = 0; s < 4; ++s) {
          T* d0 = sp.column(s, 2 * ti, tj0);
          T *d1 = d0 + sp.half, *d2 = d1 + sp.half, *d3 = d2 + sp.half;
          for (int j = 0; j < n; ++j) {
            d0[j] += t[s][j];
            d1[j] += t[4 + s][j] - t[8 + s][j] + t[12 + s][j];
            d2[j] += t[4 + s][j] + t[8 + s][j] - t[s][j];
            d3[j] -= t[12 + s][j];
          }
        }
      }
    T* plane = grad_image + c * g.in.pixels();
    for (int r = 0; r < h; ++r) gather_row(sp, r + p, p, w, plane + r * w);
  }
}

template <class T>
void output_transform(const WinogradGeometry& g, const MatrixOf<T>& m, const T* bias, T* y) {
  const int c_out = g.out.channels, ho = g.out.height, wo = g.out.width;
  const Eigen::Index tiles = g.tiles(), block = static_cast<Eigen::Index>(c_out) * tiles;
  for (int o = 0; o < c_out; ++o) {
    const T* in = m.data() + static_cast<Eigen::Index>(o) * tiles;
    T* plane = y + o * g.out.pixels();
    const T b = bias[o];
    for (int ti = 0; ti < g.tiles_h; ++ti)
      for (int tj0 = 0; tj0 < g.tiles_w; tj0 += kBlock) {
        const int n = std::min(kBlock, g.tiles_w - tj0);
        const T* src = in + static_cast<Eigen::Index>(ti) * g.tiles_w + tj0;
        // Aᵀ x: rows r0 = x0 + x1 + x2 and r1 = x1 - x2 - x3 (entries (a, s) = 4a + s).
        T r0[4][kBlock], r1[4][kBlock];
        for (int s = 0; s < 4; ++s) {
          const T* x0 = src + s * block;
          const T* x1 = x0 + 4 * block;
          const T* x2 = x1 + 4 * block;
          const T* x3 = x2 + 4 * block;
          for (int j = 0; j < n; ++j) {
            r0[s][j] = x0[j] + x1[j] + x2[j];
            r1[s][j] = x1[j] - x2[j] - x3[j];
          }
        }
        // Then along the columns; a last tile half outside the output writes its inside half.
        const int i = 2 * ti;
        for (int half = 0; half < 2 && i + half < ho; ++half) {
          const T(*r)[kBlock] = half == 0 ? r0 : r1;
          T* row = plane + (i + half) * wo + 2 * tj0;
          const int full = std::min(n, (wo - 2 * tj0) / 2);  // tiles with both columns inside
          for (int j = 0; j < full; ++j) {
            row[2 * j] = b + r[0][j] + r[1][j] + r[2][j];
            row[2 * j + 1] = b + r[1][j] - r[2][j] - r[3][j];
          }
          if (full < n) row[2 * full] = b + r[0][full] + r[1][full] + r[2][full];
        }
      }
  }
}

template <class T>
void output_transform_adjoint(const WinogradGeometry& g, const T* grad_y, MatrixOf<T>* dm) {
  const int c_out = g.out.channels, ho = g.out.height, wo = g.out.width;
  const Eigen::Index tiles = g.tiles(), block = static_cast<Eigen::Index>(c_out) * tiles;
  dm->resize(tiles, 16 * c_out);
  for (int o = 0; o < c_out; ++o) {
    T* out = dm->data() + static_cast<Eigen::Index>(o) * tiles;
    const T* plane = grad_y + o * g.out.pixels();
    for (int ti = 0; ti < g.tiles_h; ++ti)
      for (int tj0 = 0; tj0 < g.tiles_w; tj0 += kBlock) {
        const int n = std::min(kBlock, g.tiles_w - tj0);
        // The 2 x 2 output gradients of each tile, 0 beyond the last row or column.
        T y[2][2][kBlock];
        const int i = 2 * ti;
        const int full = std::min(n, (wo - 2 * tj0) / 2);
        for (int half = 0; half < 2; ++half) {
          const T* row = plane + (i + half) * wo + 2 * tj0;
          const bool inside = i + half < ho;
          for (int j = 0; j < full; ++j) {
            y[half][0][j] = inside ? row[2 * j] : T(0);
            y[half][1][j] = inside ? row[2 * j + 1] : T(0);
          }
          if (full < n) {
            y[half][0][full] = inside ? row[2 * full] : T(0);
            y[half][1][full] = 0.0;
          }
        }
        // A dY Aᵀ with A = [1 0; 1 1; 1 -1; 0 -1]: along the columns (c0, c1 per row), then
        // the rows, one entry ξ = 4a + s at a time.
        T c[2][4][kBlock];
        for (int half = 0; half < 2; ++half)
          for (int j = 0; j < n; ++j) {
            const T y0 = y[half][0][j], y1 = y[half][1][j];
            c[half][0][j] = y0;
            c[half][1][j] = y0 + y1;
            c[half][2][j] = y0 - y1;
            c[half][3][j] = -y1;
          }
        T* dst = out + static_cast<Eigen::Index>(ti) * g.tiles_w + tj0;
        for (int s = 0; s < 4; ++s) {
          const T *c0 = c[0][s], *c1 = c[1][s];
          T* x0 = dst + s * block;
          T* x1 = x0 + 4 * block;
          T* x2 = x1 + 4 * block;
          T* x3 = x2 + 4 * block;
          for (int j = 0; j < n; ++j) {
            x0[j] = c0[j];
            x1[j] = c0[j] + c1[j];
            x2[j] = c0[j] - c1[j];
            x3[j] = -c1[j];
          }
        }
      }
  }
}

#define SBI_WINOGRAD_INSTANTIATE(T)                                                              \
  template void filter_transform(const MatrixOf<T>&, int, MatrixOf<T>*);                          \
  template void filter_transform_adjoint(const MatrixOf<T>&, int, MatrixOf<T>*);                  \
  template void input_transform(const WinogradGeometry&, const T*, MatrixOf<T>*, MatrixOf<T>*);   \
  template void input_transform_adjoint(const WinogradGeometry&, const MatrixOf<T>&, T*,          \
                                        MatrixOf<T>*);                                            \
  template void output_transform(const WinogradGeometry&, const MatrixOf<T>&, const T*, T*);      \
  template void output_transform_adjoint(const WinogradGeometry&, const T*, MatrixOf<T>*);
SBI_WINOGRAD_INSTANTIATE(double)
SBI_WINOGRAD_INSTANTIATE(float)
#undef SBI_WINOGRAD_INSTANTIATE

}  // namespace sbi::nn::detail
