// SonarQube and SonarCloud tokens. Since SonarQube 9.5 a token names its
// kind: squ_ (user), sqp_ (project analysis), sqa_ (global analysis), then 40
// hex; older tokens are 40 hex with nothing of their own, recognisable only
// next to the scanner's property or variable (sonar.login, sonar.token,
// SONAR_TOKEN, -Dsonar.login=…), which CI logs echo when a scanner runs with
// `-X` or a build script prints its command. Format from SonarSource's token
// documentation and gitleaks' sonar-api-token rule (MIT), which also lists the
// Makefile assignment operators (`::=`, `:::=`, `?=`).

import { ALPHABETS } from '../gen.ts'
import { BASE62, format, re, tokenRule } from './define.ts'

const KINDS = ['squ_', 'sqp_', 'sqa_']

export const rules = [
  tokenRule({
    id: 'sonarqube-token',
    title: 'SonarQube user, project or global analysis token',
    severity: 'high',
    // Issued as lower-case hex; the class admits any letter so that a token typed in another case is still one.
    token: format(
      re('sq[upa]_', (g) => KINDS[Number(g.digits(1)) % 3] ?? 'squ_'),
      re('[A-Za-z0-9]{40}', (g) => g.hex(40))
    ),
    keywords: KINDS,
    minEntropy: 3.0,
    lines: [
      (s) => `+ sonar-scanner -Dsonar.projectKey=payments -Dsonar.host.url=https://sonar.corp.example -Dsonar.token=${s}`,
      (s) => `{"level":"debug","msg":"scanner env","SONAR_TOKEN":"${s}"}`
    ],
    negatives: [`SONAR_TOKEN=squ_${'0'.repeat(40)}`, 'SONAR_TOKEN=squ_...', 'tokens start with squ_, sqp_ or sqa_']
  }),
  tokenRule({
    id: 'sonarqube-legacy-token',
    title: 'SonarQube token (without a kind prefix) in a scanner property or variable',
    severity: 'high',
    token: BASE62(40),
    keywords: ['sonar'],
    // sonar.login / sonar.token / SONAR_TOKEN / sonarLogin, the rest of the name, then =, :, =>, ::=, :::=, ?= or a
    // `', '` argument separator (`setProperty('sonar.login', '…')`).
    regex: (t) => `(?i:sonar[_.-]?(?:login|token))[\\w.-]{0,20}[\\\\"'\\x60\\s]{0,4}(?:=>|:{1,3}=|\\?=|=|:|,)[\\\\"'\\x60\\s]{0,5}(${t})(?:[^A-Za-z0-9_-]|$)`,
    positives: (g) => {
      const a = g.hex(40)
      const b = g.chars(ALPHABETS.base62, 40)
      return [
        { line: `+ mvn sonar:sonar -Dsonar.host.url=https://sonarcloud.io -Dsonar.login=${a}`, secret: a },
        { line: `SONAR_TOKEN ?= "${b}"`, secret: b }
      ]
    },
    // Its hex form, 40 random hex, is under 3.0 1.6 times in a million, none of ten million under 2.8.
    minEntropy: 2.5,
    negatives: [`sonar.login=${'0'.repeat(40)}`, 'sonar.login=${SONAR_TOKEN}', 'sonar.token: <token>', `sonar.projectKey=${'a1b2c3d4e5'.repeat(4)}`]
  })
]
