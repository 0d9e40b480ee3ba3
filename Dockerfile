# Npga.Live image: mirrors scripts/setup.sh (Debian bookworm + the .NET 10 SDK).
FROM mcr.microsoft.com/dotnet/sdk:10.0-bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
      gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice \
      libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 libgstreamer-plugins-bad1.0-0 \
      python3 python3-numpy python3-onnx python3-scipy python3-torch python3-pil nodejs npm \
      iproute2 chromium chromium-driver libgtk-3-0 libdrm2 libatomic1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/npga
COPY . .
RUN bash scripts/setup.sh
ENV NPGA_HOME=/opt/npga
ENTRYPOINT ["scripts/npga"]
EXPOSE 5000
CMD ["serve", "--urls", "http://0.0.0.0:5000"]
