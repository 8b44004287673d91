# One image for every service; the command picks which one runs (see docker-compose.yml).
# Stage 1 bundles the services (npm run build); stage 2 keeps the runtime dependencies only.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY services ./services
COPY infra ./infra
COPY tsconfig.json ./
RUN npm ci --no-audit --no-fund && npm run build

FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY services ./services
COPY schemas ./schemas
COPY infra ./infra
COPY tsconfig.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production
USER node
CMD ["node", "--enable-source-maps", "dist/services/ingress/main.js"]
