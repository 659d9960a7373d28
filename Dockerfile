# flywheel-workers: the Node service (API, relay, handlers). ROLE=all|api|relay|handlers picks the part a
# container runs (default all; split roles need DATABASE_URL and REDIS_URL: PGlite serves one process only).
# Build: docker build -t flywheel-workers .   Run: docker run -e DATABASE_URL=… -e REDIS_URL=… -p 3000:3000 flywheel-workers

FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY .ci/build.ts .ci/build.ts
COPY src src
COPY handlers handlers
COPY db db
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ROLE=all \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# Every ROLE answers /healthz. Node 20 has fetch, so no curl/wget in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# ROLE is read from the environment by the service itself (src/config.ts); SIGTERM drains gracefully.
CMD ["node", "dist/main.js"]
