// graphql-api reference: authors and books over GraphQL (Apollo Server 4 on Express),
// stored in PostgreSQL. The contract is schema.graphql; spec.md settles the rest.
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const express = require("express");
const { ApolloServer } = require("@apollo/server");
const { expressMiddleware } = require("@apollo/server/express4");
const { ApolloServerPluginDrainHttpServer } = require("@apollo/server/plugin/drainHttpServer");
const { ApolloServerPluginCacheControlDisabled } = require("@apollo/server/plugin/disabled");
const { GraphQLError } = require("graphql");
const DataLoader = require("dataloader");
const pg = require("pg");
const { depthLimit } = require("./depth");

const PORT = Number(process.env.PORT || 8000);
const MAX_DEPTH = 10;
const BIGINT_MAX = 9223372036854775807n;

pg.types.setTypeParser(20, (v) => v); // bigint ids stay strings: GraphQL IDs are strings
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

// -- errors the contract declares ------------------------------------------------------
const notFound = (what, id) =>
  new GraphQLError(`no ${what} has id ${JSON.stringify(id)}`, { extensions: { code: "NOT_FOUND" } });
const badInput = (message) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });

// The id as the database stores it, or null when no row can have it ("abc", "-1", 2^70).
function dbId(id) {
  if (typeof id !== "string" || !/^[0-9]{1,19}$/.test(id)) return null;
  const n = BigInt(id);
  return n >= 1n && n <= BIGINT_MAX ? n.toString() : null;
}

// 1..max Unicode code points (not UTF-16 units) and no NUL, which PostgreSQL cannot store.
function text(value, field, max) {
  const n = [...value].length;
  if (n < 1 || n > max || value.includes("\0")) {
    throw badInput(`${field} must be 1 to ${max} characters, without NUL`);
  }
  return value;
}

// Cursors are opaque to clients; here base64url("book:<id>"), and only those are accepted.
const cursorOf = (id) => Buffer.from(`book:${id}`).toString("base64url");
function afterId(cursor) {
  const m = /^book:([0-9]{1,19})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m || cursorOf(m[1]) !== cursor || dbId(m[1]) === null) {
    throw badInput("after is not a cursor this server handed out");
  }
  return m[1];
}

// -- data ------------------------------------------------------------------------------
const BOOK = "id, title, year, author_id";

// One query per request for every author (or every author's books) the query touches.
function loaders() {
  return {
    author: new DataLoader(async (ids) => {
      const { rows } = await pool.query("SELECT id, name FROM authors WHERE id = ANY($1::bigint[])", [ids]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) || null);
    }),
    booksOf: new DataLoader(async (ids) => {
      const { rows } = await pool.query(
        `SELECT ${BOOK} FROM books WHERE author_id = ANY($1::bigint[]) ORDER BY id`, [ids]);
      const byAuthor = new Map(ids.map((id) => [id, []]));
      for (const r of rows) byAuthor.get(r.author_id).push(r);
      return ids.map((id) => byAuthor.get(id));
    }),
  };
}

const resolvers = {
  Query: {
    async book(_, { id }) {
      const key = dbId(id);
      const { rows } = key ? await pool.query(`SELECT ${BOOK} FROM books WHERE id = $1`, [key]) : { rows: [] };
      if (!rows.length) throw notFound("book", id);
      return rows[0];
    },
    async author(_, { id }, ctx) {
      const key = dbId(id);
      const author = key && (await ctx.loaders.author.load(key));
      if (!author) throw notFound("author", id);
      return author;
    },
    async books(_, { first, after }) {
      if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput("first must be from 1 to 100");
      const from = after == null ? "0" : afterId(after);
      const { rows } = await pool.query(
        `SELECT ${BOOK} FROM books WHERE id > $1 ORDER BY id LIMIT $2`, [from, first + 1]);
      const page = rows.slice(0, first);
      return {
        edges: page.map((b) => ({ cursor: cursorOf(b.id), node: b })),
        pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? cursorOf(page[page.length - 1].id) : null },
      };
    },
  },
  Mutation: {
    async createAuthor(_, { input }) {
      const { rows } = await pool.query("INSERT INTO authors (name) VALUES ($1) RETURNING id, name",
        [text(input.name, "name", 100)]);
      return rows[0];
    },
    async createBook(_, { input }) {
      const title = text(input.title, "title", 200);
      const author = dbId(input.authorId);
      const { rows } = author === null ? { rows: [] } : await pool.query(
        `INSERT INTO books (title, year, author_id) SELECT $1, $2, id FROM authors WHERE id = $3 RETURNING ${BOOK}`,
        [title, input.year ?? null, author]);
      if (!rows.length) throw notFound("author", input.authorId);
      return rows[0];
    },
    async updateBook(_, { id, input }) {
      if ("title" in input && input.title === null) throw badInput("title may not be null");
      const title = input.title == null ? null : text(input.title, "title", 200);
      const key = dbId(id);
      const { rows } = key === null ? { rows: [] } : await pool.query(
        `UPDATE books SET title = COALESCE($2::text, title),
                          year = CASE WHEN $3::boolean THEN $4::integer ELSE year END
         WHERE id = $1 RETURNING ${BOOK}`,
        [key, title, "year" in input, input.year ?? null]);
      if (!rows.length) throw notFound("book", id);
      return rows[0];
    },
  },
  BookConnection: {
    async totalCount() {
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM books");
      return rows[0].n;
    },
  },
  Book: {
    author: (book, _, ctx) => ctx.loaders.author.load(book.author_id),
  },
  Author: {
    books: (author, _, ctx) => ctx.loaders.booksOf.load(author.id),
  },
};

// -- startup ---------------------------------------------------------------------------
async function migrate() {
  const deadline = Date.now() + 30000;
  for (;;) { // PostgreSQL may still be starting
    try {
      await pool.query("SELECT 1");
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      console.warn(`database not ready: ${e.message}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(7201002)");
    const dir = path.join(__dirname, "..", "migrations");
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
      await client.query(fs.readFileSync(path.join(dir, file), "utf8"));
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock(7201002)");
    client.release();
  }
}

async function main() {
  await migrate();
  const app = express();
  const httpServer = http.createServer(app);
  const server = new ApolloServer({
    typeDefs: fs.readFileSync(path.join(__dirname, "..", "schema.graphql"), "utf8"),
    resolvers,
    validationRules: [depthLimit(MAX_DEPTH)],
    includeStacktraceInErrorResponses: false,
    // No @cacheControl hints here: without this, a plugin times every field of every answer.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginCacheControlDisabled()],
  });
  await server.start();
  app.get("/health", async (_req, res) => {
    try {
      await pool.query("SELECT 1");
      res.json({ status: "ok" });
    } catch (e) {
      res.status(503).json({ status: "unavailable" });
    }
  });
  app.use("/graphql", express.json({ limit: "100kb" }),
    expressMiddleware(server, { context: async () => ({ loaders: loaders() }) }));
  httpServer.listen(PORT, "0.0.0.0", () => console.log(`listening on 0.0.0.0:${PORT}`));
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, async () => {
      await server.stop();
      await pool.end();
      process.exit(0);
    });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
