# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY console ./console
COPY verify-page ./verify-page
RUN npm run build

# Final stage: production dependencies only, non-root, data directory as a volume.
FROM node:20-bookworm-slim
# HOST=0.0.0.0: in a container the default (127.0.0.1) would leave the service unreachable from outside it.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    SEAL_DATA_DIR=/var/lib/seal
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY openapi.yaml ./
COPY ca ./ca
COPY seal-templates ./seal-templates
COPY src/store/migrations ./src/store/migrations
RUN groupadd --system seal && useradd --system --gid seal --home-dir /var/lib/seal seal \
 && mkdir -p /var/lib/seal && chown seal:seal /var/lib/seal
USER seal
VOLUME ["/var/lib/seal"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# --initial-old-space-size: as `npm start` (docs/operations/running.md, "Node's heap")
CMD ["node", "--initial-old-space-size=256", "dist/cli/main.js", "serve"]
