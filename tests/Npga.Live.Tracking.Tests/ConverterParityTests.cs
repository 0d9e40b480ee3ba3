using System.Diagnostics;
using Npga.Live.Core;
using Npga.Live.Tracking.Detect;
using Npga.Live.Tracking.Landmarks;
using Npga.Live.Onnx;
using Xunit.Abstractions;

namespace Npga.Live.Tracking.Tests;

/// <summary>
/// The converted ONNX models (run through the project's ORT adapter, Npga.Live.Onnx) against the original TF.js graph
/// models (run in Node by scripts/tracker/tfjs_run.mjs, CPU backend) on real frames of ../shared/data:
/// BlazeFace scores within 1e-3 and FaceMesh landmarks within 0.5 px at the 192 px input.
/// </summary>
public class ConverterParityTests(ITestOutputHelper output)
{
    [Fact(Timeout = 240_000)]
    public async Task OnnxModelsAgreeWithTfjsOnRealFrames()
    {
        string?[] clips = [SharedData.Driving("d3.mp4"), SharedData.Driving("d9.mp4"), SharedData.Driving("d14.mp4"), SharedData.Driving("d6.mp4")];
        if (SharedData.Missing(output, clips)) return;
        await Task.Yield();
        var root = RepoPaths.RequireRoot();
        var models = Path.Combine(root, "models", "tracker");
        var frames = clips.SelectMany(c => SharedData.Frames(c!, i => i % 40 == 5, max: 5)).ToList();
        int n = frames.Count;
        var detIn = new float[n * 256 * 256 * 3];
        var meshIn = new float[n * 192 * 192 * 3];
        var detOnnx = new float[n * 896 * 16];
        var clsOnnx = new float[n * 896];
        var meshOnnx = new float[n * 1404];
        var flagOnnx = new float[n];
        using (var tracker = new FaceTracker(new TrackerOptions { ExpressionModel = "" }))
        using (var det = new OrtSession(Path.Combine(models, "blazeface.onnx")))
        using (var mesh = new FaceMeshModel(Path.Combine(models, "facemesh.onnx")))
        using (var meshSession = new OrtSession(Path.Combine(models, "facemesh.onnx")))
        using (var detector = new BlazeFaceDetector(Path.Combine(models, "blazeface.onnx")))
        {
            for (int i = 0; i < n; i++)
            {
                var img = frames[i].Image;
                var din = detIn.AsSpan(i * 256 * 256 * 3, 256 * 256 * 3);
                BlazeFaceDetector.Preprocess(img, din);
                var r = det.Run([new OrtTensor("input", [1, 256, 256, 3], din.ToArray())]);
                r["regressors"].Float!.CopyTo(detOnnx, i * 896 * 16);
                r["classificators"].Float!.CopyTo(clsOnnx, i * 896);
                var faces = detector.Detect(img);
                Assert.True(faces.Count > 0, $"no face detected in frame {frames[i].Index}");
                var roi = tracker.RoiFromDetection(faces.MaxBy(f => f.Area)!);
                mesh.Crop(img, roi);
                mesh.LastInput.CopyTo(meshIn.AsSpan(i * 192 * 192 * 3));
                var m = meshSession.Run([new OrtTensor("input", [1, 192, 192, 3], mesh.LastInput.ToArray())]);
                m["mesh"].Float!.CopyTo(meshOnnx, i * 1404);
                flagOnnx[i] = m["face_flag"].Float![0];
            }
        }
        var dir = Directory.CreateTempSubdirectory("npga-parity-").FullName;
        try
        {
            WriteF32(Path.Combine(dir, "det.f32"), detIn);
            WriteF32(Path.Combine(dir, "mesh.f32"), meshIn);
            RunNode(root, "blazeface", Path.Combine(dir, "det.f32"), dir);
            RunNode(root, "facemesh", Path.Combine(dir, "mesh.f32"), dir);
            var detTf = ReadF32(Path.Combine(dir, "det.regressors.f32"));
            var clsTf = ReadF32(Path.Combine(dir, "det.classificators.f32"));
            var meshTf = ReadF32(Path.Combine(dir, "mesh.mesh.f32"));
            var flagTf = ReadF32(Path.Combine(dir, "mesh.face_flag.f32"));
            Assert.Equal(detOnnx.Length, detTf.Length);
            Assert.Equal(meshOnnx.Length, meshTf.Length);
            double maxScore = 0, maxLm = 0, maxFlag = 0;
            for (int a = 0; a < n * 896; a++)
                maxScore = Math.Max(maxScore, Math.Abs(Sigmoid(clsOnnx[a]) - Sigmoid(clsTf[a])));
            double maxBox = 0;
            for (int i = 0; i < detOnnx.Length; i++) maxBox = Math.Max(maxBox, Math.Abs(detOnnx[i] - detTf[i]));
            for (int i = 0; i < n * 468; i++)
                maxLm = Math.Max(maxLm, Math.Max(Math.Abs(meshOnnx[3 * i] - meshTf[3 * i]), Math.Abs(meshOnnx[3 * i + 1] - meshTf[3 * i + 1])));
            for (int i = 0; i < n; i++) maxFlag = Math.Max(maxFlag, Math.Abs(flagOnnx[i] - flagTf[i]));
            output.WriteLine($"{n} real frames: max |score diff| {maxScore:E2}, max box/keypoint diff {maxBox:E2} px (256 px input), max landmark diff {maxLm:E2} px (192 px input), max face-flag diff {maxFlag:E2}");
            Assert.True(maxScore <= 1e-3, $"detector scores differ by {maxScore}");
            Assert.True(maxBox <= 0.5, $"detector boxes differ by {maxBox} px");
            Assert.True(maxLm <= 0.5, $"landmarks differ by {maxLm} px");
            Assert.True(maxFlag <= 1e-3, $"face flags differ by {maxFlag}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static double Sigmoid(float x) => 1 / (1 + Math.Exp(-Math.Clamp(x, -100, 100)));

    private static void RunNode(string root, string model, string input, string outDir)
    {
        var psi = new ProcessStartInfo("node", ["scripts/tracker/tfjs_run.mjs", "--model", model, "--input", input, "--out-dir", outDir, "--quiet"])
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(180_000)) { p.Kill(true); throw new TimeoutException("tfjs_run.mjs took over 180 s"); }
        Assert.True(p.ExitCode == 0, $"tfjs_run.mjs failed ({p.ExitCode}): {stderr.Result}");
    }

    private static void WriteF32(string path, float[] data)
    {
        var bytes = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(path, bytes);
    }

    private static float[] ReadF32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var f = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, f, 0, bytes.Length);
        return f;
    }
}
