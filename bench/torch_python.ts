/** Finds a Python with PyTorch for the bench's peers: pyenv shims may hide Debian's /usr/bin/python3. */

/** The first python3 that can import torch (pyenv shims may hide Debian's /usr/bin/python3). */
export async function findTorchPython(): Promise<string | null> {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      const out = await new Deno.Command(python, {
        args: ["-c", "import torch"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (out.success) return python;
    } catch { /* not installed */ }
  }
  return null;
}
