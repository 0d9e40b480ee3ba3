# Npga.Live image, in two stages (unbuilt in the project's CI: no Docker there):
#   build: the .NET 10 SDK restores, builds and publishes `npga` (dotnet publish: npga.dll with models/ and web/, the
#          SignalR browser client bundled from npm as web/lib/signalr.min.js), as scripts/setup.sh builds it;
#   run:   the ASP.NET Core runtime with only the Debian packages the program loads at run time (GStreamer 1.22 and the
#          plugins a session needs, libnice's for ICE; GTK 3, libdrm and libatomic for OpenCV's native library).
# `npga avatar train` is not in the image: it runs the checkout's Python trainer (PyTorch, compiled kernels, Node); train
# in a checkout (scripts/setup.sh) and mount the avatar folder (--avatars DIR).
#   docker build -t npga-live . && docker run --rm -p 5000:5000 npga-live
FROM mcr.microsoft.com/dotnet/sdk:10.0-bookworm-slim AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY . .
RUN dotnet publish src/Npga.Live.Cli/Npga.Live.Cli.csproj -c Release -o /opt/npga -nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0-bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
      gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice \
      libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 libgstreamer-plugins-bad1.0-0 \
      libgtk-3-0 libdrm2 libatomic1 libjemalloc2 \
    && rm -rf /var/lib/apt/lists/*
# jemalloc under the server: glibc's malloc fragments as sessions come and go (docs/BENCHMARKS.md, "Long runs")
ENV LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
WORKDIR /opt/npga
COPY --from=build /opt/npga .
USER $APP_UID
ENTRYPOINT ["dotnet", "/opt/npga/npga.dll"]
EXPOSE 5000
CMD ["serve", "--urls", "http://0.0.0.0:5000"]
