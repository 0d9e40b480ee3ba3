using Npga.Live.Tracking;
using System.Collections.Concurrent;
using Npga.Live.Pipeline.Live;
using Npga.Live.Pipeline.Reenact;
using Npga.Live.Server.Avatars;

namespace Npga.Live.Server.Sessions;

/// <summary>A session's two model stages: the tracker and the avatar (F/G/CNN runners, renderer, buffers).</summary>
/// <param name="Tracker">Detect → landmarks → pose and z_exp.</param>
/// <param name="Avatar">Deform → render → refine.</param>
public sealed record SessionStages(FaceTrackStage Tracker, AvatarStage Avatar);

/// <summary>
/// Model stages kept between sessions: a session rents a tracker and an avatar stage and returns them when it ends, so
/// the ONNX sessions, the renderer's threads and the frame buffers are built once per slot instead of once per session
/// (a Join then costs no model loading, and the native heaps do not churn: see <see cref="NativeHeap"/>). At most as many
/// stages exist as sessions ever ran at once. A returned stage is reset (the tracker forgets its stream; the avatar stage
/// takes the next session's controls and avatar).
/// </summary>
public sealed class StagePool(LiveOptions options, AvatarCatalog catalog, ExpressionPresets? presets) : IDisposable
{
    private readonly ConcurrentBag<SessionStages> _idle = [];
    private int _created;
    private bool _disposed;

    /// <summary>Stages built so far.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>Stages waiting for a session.</summary>
    public int Idle => _idle.Count;

    /// <summary>A tracker and an avatar stage for a session with <paramref name="controls"/> starting on <paramref name="avatarId"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such avatar.</exception>
    /// <exception cref="Npga.Live.Avatar.AvatarFormatException">The avatar package is damaged.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public SessionStages Rent(string avatarId, LiveControls controls)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryTake(out var stages))
        {
            stages.Tracker.Reset();
            stages.Avatar.Attach(controls, avatarId);
            return stages;
        }
        var package = catalog.Get(avatarId);
        // the gaze costs two Iris runs a frame (~4 ms): read only while the avatar shown takes it (it may be switched)
        var tracker = new FaceTrackStage(package.Manifest.ExpressionModel.Id, new TrackerOptions { Gaze = package.Manifest.Gaze is not null });
        try
        {
            var avatar = new AvatarStage(package, avatarId, options.Width, options.Height, controls, presets, catalog.Get, options.RenderThreads,
                refine: options.Refine, frameBudgetMs: 1000.0 / options.Fps);
            tracker.GazeWanted = () => avatar.TakesGaze;
            Interlocked.Increment(ref _created);
            return new SessionStages(tracker, avatar);
        }
        catch
        {
            tracker.Dispose();
            throw;
        }
    }

    /// <summary>Takes stages back once their session's pipeline has stopped (they must not be in use).</summary>
    public void Return(SessionStages stages)
    {
        if (_disposed)
        {
            Free(stages);
            return;
        }
        _idle.Add(stages);
    }

    /// <summary>Frees the idle stages (rented ones are freed when returned).</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var s)) Free(s);
    }

    private static void Free(SessionStages s)
    {
        s.Avatar.Dispose();
        s.Tracker.Dispose();
    }
}
