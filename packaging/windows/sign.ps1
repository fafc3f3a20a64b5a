# Sign Windows binaries with Authenticode (signtool), when a code-signing certificate is given.
#
#   powershell -NoProfile -ExecutionPolicy Bypass -File packaging\windows\sign.ps1 FILE [FILE ...]
#
# Environment (GitHub Actions secrets):
#   WINDOWS_CERTIFICATE_PFX_BASE64  the .pfx certificate, base64-encoded   (unset: skip signing)
#   WINDOWS_CERTIFICATE_PASSWORD    its password
#   WINDOWS_TIMESTAMP_URL           RFC 3161 timestamp server (default: DigiCert's)
# packaging/build calls it for "MOCO Desktop.exe"; Inno Setup calls it (SignTool=mocosign) for
# Setup.exe and the uninstaller. Without the certificate it says so and exits 0.
param([Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)][string[]] $Files)
$ErrorActionPreference = "Stop"

if (-not $env:WINDOWS_CERTIFICATE_PFX_BASE64) {
    Write-Host "sign: WINDOWS_CERTIFICATE_PFX_BASE64 not set, not signing $($Files -join ', ')"
    exit 0
}

function Find-SignTool {
    $onPath = Get-Command signtool.exe -ErrorAction SilentlyContinue
    if ($onPath) { return $onPath.Source }
    $kits = Join-Path ${env:ProgramFiles(x86)} "Windows Kits\10\bin"
    $found = Get-ChildItem -Path $kits -Recurse -Filter signtool.exe -ErrorAction SilentlyContinue |
        Where-Object { $_.FullName -match "\\x64\\" } |
        Sort-Object FullName -Descending |
        Select-Object -First 1
    if (-not $found) { throw "signtool.exe not found (install the Windows SDK)" }
    return $found.FullName
}

$signtool = Find-SignTool
$timestamp = if ($env:WINDOWS_TIMESTAMP_URL) { $env:WINDOWS_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }
$pfx = Join-Path ([System.IO.Path]::GetTempPath()) ("moco-sign-" + [guid]::NewGuid() + ".pfx")
try {
    [System.IO.File]::WriteAllBytes($pfx, [Convert]::FromBase64String($env:WINDOWS_CERTIFICATE_PFX_BASE64))
    foreach ($file in $Files) {
        & $signtool sign /f $pfx /p $env:WINDOWS_CERTIFICATE_PASSWORD /fd sha256 `
            /tr $timestamp /td sha256 /d "MOCO Desktop" $file
        if ($LASTEXITCODE -ne 0) { throw "signtool failed for $file" }
        & $signtool verify /pa /q $file
        if ($LASTEXITCODE -ne 0) { throw "the signature of $file does not verify" }
        Write-Host "sign: signed $file"
    }
}
finally {
    Remove-Item -Force -ErrorAction SilentlyContinue $pfx
}
