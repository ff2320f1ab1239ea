"""The article's Demo 2 (its own code) and Exercise 3 (plt.quiver, as the exercise asks) at a
3.3-inch column width and 300 dpi with matplotlib's default 10-pt text: the references that
docs/figures.md sets beside gradfield's figures of the same size."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def loss(x):  # toy non-convex loss (the article's)
    return 0.3 * np.sin(3 * x) + 0.5 * (x**2)


# Demo 2, verbatim but for the size: figsize=(6, 3) becomes a 3.3-inch column.
xs = np.linspace(-3, 3, 41)
ys = loss(xs)
grads = np.gradient(ys, xs)
plt.figure(figsize=(3.3, 2.2))
plt.plot(xs, ys, color="black")
plt.quiver(xs, ys, np.ones_like(grads), grads, angles="xy", scale_units="xy", scale=10,
           width=0.004, alpha=0.7)
plt.title("Loss curve with slope arrows (direction of steepest ascent)")
plt.xlabel("x")
plt.ylabel("L(x)")
plt.tight_layout()
plt.savefig("column_demo2_matplotlib.png", dpi=300)
plt.close()

# Exercise 3: the gradient of x² + 0.5 y² on a 17 × 17 grid with plt.quiver.
g = np.linspace(-2, 2, 17)
X, Y = np.meshgrid(g, g)
plt.figure(figsize=(3.3, 3.3))
plt.quiver(X, Y, 2 * X, Y)
plt.title("∇f for f(x, y) = x² + 0.5y²")
plt.xlabel("x")
plt.ylabel("y")
plt.gca().set_aspect("equal")
plt.tight_layout()
plt.savefig("column_exercise3_matplotlib.png", dpi=300)
plt.close()
