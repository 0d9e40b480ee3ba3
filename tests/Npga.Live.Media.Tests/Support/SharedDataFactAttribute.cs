using Npga.Live.Core;

namespace Npga.Live.Media.Tests.Support;

/// <summary>A fact that is skipped, with a message, when the shared real-footage folder (../shared/data) is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (RepoPaths.SharedData is null)
            Skip = "real footage folder ../shared/data (or NPGA_SHARED_DATA) is absent; skipping the real-footage test";
    }
}
